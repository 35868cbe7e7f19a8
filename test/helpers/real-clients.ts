// Clients nobody here wrote (curl, python3's http.client), and a raw socket for requests no client sends.
import { execFile } from 'node:child_process';
import { connect } from 'node:net';

export interface ProgramResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (at most `timeoutMs`), never rejecting: the exit code is part of what tests check. */
export function runProgram(file: string, args: string[], timeoutMs = 10_000): Promise<ProgramResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ exitCode, stdout, stderr });
    });
  });
}

export interface RawExchange {
  /** Everything the server sent, as latin1 text. */
  received: string;
  /** The server closed the connection within the wait. */
  closed: boolean;
}

/** Sends `text` on a fresh connection and collects the answer until the server closes or `waitMs` passes. */
export function rawExchange(port: number, text: string, waitMs = 2_000): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(text, 'latin1'));
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ received, closed: false });
    }, waitMs);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received, closed: true });
    });
  });
}
