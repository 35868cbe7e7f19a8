// UDP peers for the native UDP engine's tests: echo servers that tag replies with their id, and clients.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export interface UdpEchoServer {
  id: string;
  address: string;
  /** Datagrams received, and from which source ports (the flow sockets Fulcrum opened). */
  received(): number;
  sources(): Set<number>;
  close(): Promise<void>;
}

export type ReplyStyle = 'tagged' | 'plain' | 'silent' | 'other-port';

/**
 * tagged: replies `${id}:` + the datagram; plain: the datagram unchanged (for sizes up to the UDP
 * maximum, where a tag would not fit); silent: never replies; other-port: replies tagged, but from a
 * second socket on another port (as a misconfigured or multi-homed server might).
 */
export async function startUdpEcho(id: string, style: ReplyStyle = 'tagged', host = '127.0.0.1'): Promise<UdpEchoServer> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const replier = style === 'other-port' ? createSocket(host.includes(':') ? 'udp6' : 'udp4') : socket;
  let received = 0;
  const sources = new Set<number>();
  socket.on('message', (message: Buffer, remote: RemoteInfo) => {
    received += 1;
    sources.add(remote.port);
    if (style === 'silent') return;
    const reply = style === 'tagged' ? Buffer.concat([Buffer.from(`${id}:`), message]) : message;
    replier.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  if (replier !== socket) await new Promise<void>((resolve) => replier.bind(0, host, resolve));
  const { port } = socket.address();
  return {
    id,
    address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    received: () => received,
    sources: () => sources,
    close: async () => {
      if (replier !== socket) await new Promise<void>((resolve) => replier.close(() => resolve()));
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

/** A UDP port nobody listens on: bound once to learn a free number, then closed (ICMP port unreachable). */
export async function closedUdpPort(host = '127.0.0.1'): Promise<string> {
  const server = await startUdpEcho('closed', 'silent', host);
  await server.close();
  return server.address;
}

export interface UdpClient {
  socket: Socket;
  /** Sends one datagram and waits for the next reply; null when none comes within ms. */
  ask(payload: Buffer | string, ms?: number): Promise<Buffer | null>;
  close(): Promise<void>;
}

export async function udpClient(proxyPort: number, localAddress = '127.0.0.1', proxyHost = '127.0.0.1'): Promise<UdpClient> {
  const socket = createSocket(proxyHost.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((resolve) => socket.bind(0, localAddress, resolve));
  const waiting: Array<(reply: Buffer) => void> = [];
  socket.on('message', (message: Buffer) => waiting.shift()?.(message));
  return {
    socket,
    ask(payload, ms = 2_000) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(onReply), 1);
          resolve(null);
        }, ms);
        const onReply = (reply: Buffer): void => {
          clearTimeout(timer);
          resolve(reply);
        };
        waiting.push(onReply);
        socket.send(typeof payload === 'string' ? Buffer.from(payload) : payload, proxyPort, proxyHost);
      });
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
