// Client-side helpers for L4 tests: connect, read a line, wait for the end or a reset, bounded in time.
import { connect, type Socket } from 'node:net';

export interface ConnectOptions {
  allowHalfOpen?: boolean;
  localAddress?: string;
}

export function connectTo(port: number, options: ConnectOptions = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', ...options });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Resolves with how the socket ended: 'end' (FIN), 'reset' or 'error: ...', or 'timeout' after ms. */
export function waitForEnd(socket: Socket, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    socket.resume();
    socket.once('end', () => {
      clearTimeout(timer);
      resolve('end');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code === 'ECONNRESET' ? 'reset' : `error: ${error.code ?? error.message}`);
    });
  });
}

/** Connects, writes `text`, and reports how the connection ended; a reset during connect counts as 'reset'. */
export async function connectWriteAndWaitForEnd(port: number, text: string, ms: number): Promise<string> {
  let socket: Socket;
  try {
    socket = await connectTo(port);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ECONNRESET' ? 'reset' : `error: ${(error as Error).message}`;
  }
  const ending = waitForEnd(socket, ms);
  socket.write(text);
  return ending;
}

/** Reads until the first newline (or the end) and returns the text before it. */
export function readLine(socket: Socket, ms = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no line within ${ms} ms (got "${text}")`)), ms);
    const finish = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      resolve(text.split('\n')[0] ?? '');
    };
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (text.includes('\n')) finish();
    };
    socket.on('data', onData);
    socket.once('end', finish);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Polls a condition every 10 ms until it holds or ms pass; returns whether it held. */
export async function eventually(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return condition();
}
