// UDP "game servers" and game clients for UDP tests on 127.0.0.1 (node:dgram). The server echoes each datagram
// prefixed with its id, so a client sees which backend answered; it counts datagrams and distinct clients, and can
// be killed (its socket closed: datagrams to it then meet an ICMP port unreachable).
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { once } from 'node:events';

export interface UdpEchoServer {
  id: string;
  port: number;
  address: string;
  /** Datagrams received so far. */
  datagrams(): number;
  /** Distinct client address:port pairs seen so far (for a proxy: its flows' sockets). */
  clients(): Set<string>;
  /** Closes the socket; the port stops answering. */
  kill(): Promise<void>;
}

const TAG_SEPARATOR = '|';
/** The largest UDP payload over IPv4. */
export const MAX_UDP_PAYLOAD = 65_507;

/** The reply a server gives to `payload`: "id|payload", cut at MAX_UDP_PAYLOAD so the largest datagram still gets one. */
export function taggedReply(id: string, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${id}${TAG_SEPARATOR}`), payload]).subarray(0, MAX_UDP_PAYLOAD);
}

/** Which server answered, and what it echoed. */
export function readTaggedReply(reply: Buffer): { serverId: string; payload: Buffer } {
  const at = reply.indexOf(TAG_SEPARATOR);
  if (at < 0) throw new Error(`not a tagged reply: ${reply.toString('latin1').slice(0, 80)}`);
  return { serverId: reply.subarray(0, at).toString(), payload: reply.subarray(at + 1) };
}

async function bindLoopback(port = 0): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.bind(port, '127.0.0.1');
  await once(socket, 'listening');
  return socket;
}

export async function startUdpEchoServer(id: string): Promise<UdpEchoServer> {
  const socket = await bindLoopback();
  const port = socket.address().port;
  const clients = new Set<string>();
  let datagrams = 0;
  let closed = false;
  socket.on('message', (message: Buffer, from: RemoteInfo) => {
    datagrams += 1;
    clients.add(`${from.address}:${from.port}`);
    socket.send(taggedReply(id, message), from.port, from.address);
  });
  // A send to a client that has gone away can fail; the server keeps serving the others.
  socket.on('error', () => {});
  return {
    id,
    port,
    address: `127.0.0.1:${port}`,
    datagrams: () => datagrams,
    clients: () => new Set(clients),
    kill: async () => {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

export interface UdpReply {
  payload: Buffer;
  from: { address: string; port: number };
}

/** One client socket on its own port: sends datagrams and awaits replies in arrival order. */
export interface UdpTestClient {
  port: number;
  send(targetPort: number, payload: Buffer | string): void;
  /** The next datagram this socket receives (queued ones first); rejects after timeoutMs. */
  nextReply(timeoutMs: number): Promise<UdpReply>;
  /** send, then nextReply. */
  request(targetPort: number, payload: Buffer | string, timeoutMs?: number): Promise<UdpReply>;
  close(): Promise<void>;
}

const DEFAULT_REPLY_TIMEOUT_MS = 1_000;

export async function openUdpClient(): Promise<UdpTestClient> {
  const socket = await bindLoopback();
  const inbox: UdpReply[] = [];
  const waiters: ((reply: UdpReply) => void)[] = [];
  socket.on('message', (payload: Buffer, from: RemoteInfo) => {
    const reply = { payload, from: { address: from.address, port: from.port } };
    const waiter = waiters.shift();
    if (waiter) waiter(reply);
    else inbox.push(reply);
  });
  socket.on('error', () => {});
  const nextReply = (timeoutMs: number) => {
    const queued = inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise<UdpReply>((resolve, reject) => {
      const waiter = (reply: UdpReply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`no UDP reply to 127.0.0.1:${socket.address().port} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.push(waiter);
    });
  };
  const send = (targetPort: number, payload: Buffer | string) => socket.send(payload, targetPort, '127.0.0.1');
  return {
    port: socket.address().port,
    send,
    nextReply,
    request: (targetPort, payload, timeoutMs = DEFAULT_REPLY_TIMEOUT_MS) => {
      send(targetPort, payload);
      return nextReply(timeoutMs);
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** `count` clients, each on its own source port. */
export function openUdpClients(count: number): Promise<UdpTestClient[]> {
  return Promise.all(Array.from({ length: count }, openUdpClient));
}
