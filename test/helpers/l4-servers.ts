// Real backends on 127.0.0.1 for L4 tests: echo, hash-and-report, holding, resetting, and a
// listener whose full backlog drops SYNs. Each records how many connections it has taken.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { receiveAll } from './l4-data.js';

export interface TestBackend {
  port: number;
  address: string;
  /** Connections accepted so far. */
  accepted: () => number;
  /** Connections open right now. */
  open: () => number;
  close: () => Promise<void>;
}

async function listen(handler: (socket: Socket) => void): Promise<TestBackend> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    handler(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    accepted: () => accepted,
    open: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes back what it reads; a half-close from the client is answered with a half-close. */
export function startEchoBackend(): Promise<TestBackend> {
  return listen((socket) => socket.pipe(socket));
}

/** Reads to the end, then writes the byte count and SHA-256 of what it read as one line and ends. */
export function startHashBackend(): Promise<TestBackend> {
  return listen((socket) => {
    receiveAll(socket).then(
      ({ bytes, sha256 }) => socket.end(`${bytes} ${sha256}\n`),
      () => socket.destroy(),
    );
  });
}

/** Records every byte each connection sends; ends its side once the client has ended. */
export async function startRecordingBackend(): Promise<TestBackend & { received: Buffer[] }> {
  const received: Buffer[] = [];
  const backend = await listen((socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => {
      received.push(Buffer.concat(chunks));
      socket.end();
    });
  });
  return { ...backend, received };
}

/** Says `greeting` and half-closes at once, then records what the client still sends. */
export async function startGreetingBackend(greeting: string): Promise<TestBackend & { received: Buffer[] }> {
  const received: Buffer[] = [];
  const backend = await listen((socket) => {
    const chunks: Buffer[] = [];
    socket.end(greeting);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => received.push(Buffer.concat(chunks)));
  });
  return { ...backend, received };
}

/** Accepts and keeps the connection open without a word until the client ends: a long-lived connection. */
export function startHoldingBackend(): Promise<TestBackend> {
  return listen((socket) => {
    socket.resume();
    socket.once('end', () => socket.end());
  });
}

/** Accepts, then resets (RST) as soon as the first bytes arrive, or right away. */
export function startResettingBackend(when: 'on-accept' | 'on-data'): Promise<TestBackend> {
  return listen((socket) => {
    if (when === 'on-accept') socket.resetAndDestroy();
    else socket.once('data', () => socket.resetAndDestroy());
  });
}

export interface UnacceptingListener {
  port: number;
  address: string;
  close: () => void;
}

/**
 * A listener (python3, listen backlog 0) that never accepts. Once its queue is full the kernel drops
 * further SYNs, so a connect to it neither succeeds nor fails: only a timeout ends it.
 */
export async function startUnacceptingListener(): Promise<UnacceptingListener> {
  const script =
    'import socket,sys,time\n' +
    's=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(0)\n' +
    'print(s.getsockname()[1], flush=True)\n' +
    'sys.stdin.read()\n';
  const child: ChildProcess = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  return { port, address: `127.0.0.1:${port}`, close: () => child.kill() };
}
