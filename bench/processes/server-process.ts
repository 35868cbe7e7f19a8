// Starts a server program as a child process, waits until its port accepts (or, for UDP, is bound), and stops it by its own pid.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ServerProcess {
  pid: number;
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited after a grace period. */
  stop(): Promise<void>;
}

export interface ServerCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Port that accepts connections once the server is ready. */
  readyPort: number;
  /** udp: ready once a socket is bound to readyPort on 127.0.0.1 (a UDP port answers nothing by itself). Default tcp. */
  readyProtocol?: 'tcp' | 'udp';
  readyTimeoutMs?: number;
}

const OUTPUT_LIMIT = 16_000;
const STOP_GRACE_MS = 2_000;
const running = new Set<ChildProcess>();

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Whether some socket is bound to 127.0.0.1:port (or any address) for UDP, from /proc/net/udp. */
export function udpPortBound(port: number): boolean {
  const wanted = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const lines = readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1);
  return lines.some((line) => {
    const local = line.trim().split(/\s+/)[1] ?? '';
    return local.endsWith(wanted) && (local.startsWith('0100007F') || local.startsWith('00000000'));
  });
}

/** The last thing a failed server said, for one-line reports; the full output follows on the next lines. */
function lastLineOf(output: string): string {
  const lines = output.trim().split('\n');
  return lines.length > 0 && lines[0] !== '' ? `: ${lines[lines.length - 1]}` : '';
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const exited = exitOf(child);
  const graceOver = sleep(STOP_GRACE_MS).then(() => 'grace-over' as const);
  if ((await Promise.race([exited, graceOver])) === 'grace-over') {
    child.kill('SIGKILL');
    await exited;
  }
  running.delete(child);
}

export async function startServerProcess(server: ServerCommand): Promise<ServerProcess> {
  const child = spawn(server.command, server.args, {
    env: { PATH: process.env.PATH ?? '', ...server.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let spawnError: Error | null = null;
  child.once('error', (error) => {
    spawnError = error;
  });

  const deadline = Date.now() + (server.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (spawnError !== null || child.exitCode !== null || child.signalCode !== null) {
      running.delete(child);
      const how = spawnError ? `could not start: ${(spawnError as Error).message}` : `exited with ${child.exitCode ?? child.signalCode}`;
      throw new Error(`${server.command} ${how} before it accepted on port ${server.readyPort}${lastLineOf(output)}\n${output.trim()}`);
    }
    if (server.readyProtocol === 'udp' ? udpPortBound(server.readyPort) : await portAccepts(server.readyPort)) break;
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`${server.command} did not accept on port ${server.readyPort} in time${lastLineOf(output)}\n${output.trim()}`);
    }
    await sleep(25);
  }
  return { pid: child.pid as number, output: () => output, stop: () => stopChild(child) };
}

/** Stops every server still running: on the way out, and when the suite is interrupted. */
export async function stopAllServerProcesses(): Promise<void> {
  await Promise.all([...running].map(stopChild));
}
