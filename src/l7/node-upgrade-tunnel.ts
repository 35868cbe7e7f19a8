// Upgrade requests on the complete front (WebSocket, and any other Upgrade): once routed and picked, the
// request head goes to the backend on a connection of its own and the two sockets are joined byte for
// byte, so the backend's 101 (or refusal) and every frame after it pass through untouched, as HAProxy's
// tunnel mode does. The pick is released when either side closes. Runs on an L7 worker thread.
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Replier } from './downstream.js';
import { clientAddressOf, http1RequestHead } from './node-request-head.js';
import { rawReply } from './raw-reply.js';
import type { RequestHandler } from './request-handler.js';
import { splitAddress } from './worker-pool.js';

/** Fulcrum's own answer on a socket that left the HTTP parser: always the last thing on it. */
class RawReplier implements Replier {
  readonly clientAddress: string;
  private readonly socket: Socket;

  constructor(socket: Socket, clientAddress: string) {
    this.socket = socket;
    this.clientAddress = clientAddress;
  }

  replyError(status: number, code: string, message: string, headers?: Readonly<Record<string, string>>): void {
    this.socket.end(rawReply(status, code, message, headers));
  }

  refuseAndClose(status: number, code: string, message: string): void {
    this.replyError(status, code, message);
  }
}

export function tunnelUpgrade(
  handler: RequestHandler,
  req: IncomingMessage,
  client: Socket,
  early: Buffer,
  scheme: 'http' | 'https',
): void {
  client.on('error', () => client.destroy());
  const replier = new RawReplier(client, clientAddressOf(client.remoteAddress));
  const target = handler.resolveTunnel(replier, http1RequestHead(req, scheme));
  if (target === null) return;
  const { pool, index } = target;
  let connected = false;
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    pool.release(index, connected ? 'success' : 'connect-failure');
    target.caps?.release();
  };
  const { host, port } = splitAddress(pool.address(index));
  const upstream = connect({ host, port, noDelay: true });
  upstream.setTimeout(pool.connectTimeoutMs, () => upstream.destroy(new Error('connect timeout')));
  upstream.once('connect', () => {
    connected = true;
    upstream.setTimeout(0);
    upstream.write(target.head);
    if (early.length > 0) upstream.write(early);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  upstream.on('error', () => {
    if (!connected && !client.destroyed) replier.replyError(502, 'upstream-websocket-connect', 'The backend could not be reached.');
    else client.destroy();
  });
  upstream.once('close', () => {
    release();
    if (connected) client.destroy();
  });
  client.once('close', () => {
    release();
    upstream.destroy();
  });
}

/** CONNECT asks for a forward proxy's tunnel, which a reverse proxy does not offer. */
export function refuseConnect(client: Socket): void {
  client.on('error', () => client.destroy());
  new RawReplier(client, '').replyError(501, 'connect-unsupported', 'CONNECT is not supported: Fulcrum is a reverse proxy.');
}
