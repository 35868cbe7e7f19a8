// WebSocket proxying: the client's upgrade is accepted only once the picked backend accepted its own
// (through the `ws` client), then messages are relayed both ways with backpressure. Worker thread only.

import WebSocket from 'ws';
import type { Outcome } from '../balance/index.js';
import type { HeldCaps } from './held-caps.js';
import { type ReplyContext, replyError } from './replies.js';
import type { WebSocket as ClientSocket, HttpRequest, HttpResponse, us_socket_context_t, WebSocketBehavior } from './uws.js';
import type { WorkerPool } from './worker-pool.js';

/** Where an upgrade goes, decided by the same routing as plain requests. */
export interface UpgradeTarget {
  pool: WorkerPool;
  index: number;
  /** ws://address/path?query of the backend. */
  url: string;
  headers: Record<string, string>;
  protocols: string[];
  /** The concurrency caps the upgrade counts against while it is open (null: none). */
  caps: HeldCaps | null;
}

/** Per client WebSocket: its backend socket and the pick to release once either side closes. */
interface Session {
  upstream: WebSocket;
  pool: WorkerPool;
  index: number;
  client: ClientSocket<SessionRef> | null;
  /** Backend messages that arrived before uWS opened the client socket. */
  early: Array<{ data: Buffer; isBinary: boolean }>;
  released: boolean;
  caps: HeldCaps | null;
}

/** uWS copies user data into each socket, so the mutable session travels inside it by reference. */
interface SessionRef {
  session: Session;
}

/** An upgrade is a GET whose Connection header names Upgrade: uWS keeps the connection after a refusal. */
const UPGRADE_REQUEST: ReplyContext = { method: 'GET', clientCloses: false };

/** Above this, reading from the backend pauses until the client drains. */
const CLIENT_HIGH_WATER = 1024 * 1024;
/** uWS 20.30 cannot pause a WebSocket's reads: a client this far ahead of its backend is closed with 1013. */
const MAX_UPSTREAM_BACKLOG = 16 * 1024 * 1024;

function release(session: Session, outcome: Outcome): void {
  if (session.released) return;
  session.released = true;
  session.pool.release(session.index, outcome);
  session.caps?.release();
}

/** The connection went without a close frame (1006), or its TLS failed (1015). */
const ABNORMAL = 'abnormal';
/** A close frame without a status code (reported as 1005). */
const NO_CODE = 'no-code';

/**
 * How to pass on the close one side reported, per RFC 6455 §7.4.1: 1005, 1006 and 1015 may never be sent
 * in a close frame. A side that vanished (1006, 1015) is passed on by dropping the other connection without
 * a close frame, so that peer reports 1006 too; 1001 ("going away") would claim an orderly leave, and the
 * 1000 sent before told the peer that all went well. A close frame without a code is passed on as one.
 */
function relayedClose(code: number): number | typeof ABNORMAL | typeof NO_CODE {
  if (code === 1006 || code === 1015) return ABNORMAL;
  if (code === 1005) return NO_CODE;
  return code === 1000 || (code >= 1001 && code <= 1014) || (code >= 3000 && code <= 4999) ? code : 1000;
}

/**
 * `resolve` routes the upgrade request and picks a backend; it answers the client itself (404, 503...)
 * and returns null when the request cannot be forwarded.
 */
export function websocketBehavior(resolve: (res: HttpResponse, req: HttpRequest) => UpgradeTarget | null): WebSocketBehavior<SessionRef> {
  return {
    maxPayloadLength: 16 * 1024 * 1024,
    maxBackpressure: MAX_UPSTREAM_BACKLOG,
    idleTimeout: 0,
    upgrade(res, req, context: us_socket_context_t) {
      const key = req.getHeader('sec-websocket-key');
      const target = resolve(res, req);
      if (target === null) return;
      let aborted = false;
      const upstream = new WebSocket(target.url, target.protocols, {
        headers: target.headers,
        perMessageDeflate: false,
        followRedirects: false,
        // The client answers the backend's pings (relayed below): a pong the proxy made up would hide a dead client.
        autoPong: false,
      });
      const { pool, index, caps } = target;
      const session: Session = { upstream, pool, index, client: null, early: [], released: false, caps };
      res.onAborted(() => {
        aborted = true;
        upstream.terminate();
        release(session, 'client-aborted');
      });
      upstream.once('open', () => {
        if (aborted) return;
        res.cork(() => res.upgrade({ session } satisfies SessionRef, key, upstream.protocol, '', context));
      });
      upstream.once('unexpected-response', (_request, response) => {
        upstream.terminate();
        release(session, 'server-error');
        if (!aborted)
          replyError(
            res,
            502,
            'upstream-websocket-refused',
            `The backend refused the WebSocket upgrade (${response.statusCode}).`,
            UPGRADE_REQUEST,
          );
        aborted = true;
      });
      upstream.on('error', () => {
        upstream.terminate();
        if (session.client) {
          release(session, 'reset');
          session.client.end(1011, 'backend connection failed');
        } else if (!aborted) {
          release(session, 'connect-failure');
          replyError(
            res,
            502,
            'upstream-websocket-connect',
            'The backend could not be reached for the WebSocket upgrade.',
            UPGRADE_REQUEST,
          );
          aborted = true;
        }
      });
      upstream.on('message', (data: Buffer, isBinary: boolean) => {
        const client = session.client;
        if (!client) {
          session.early.push({ data, isBinary });
          return;
        }
        client.send(data, isBinary);
        if (client.getBufferedAmount() > CLIENT_HIGH_WATER) upstream.pause();
      });
      upstream.on('ping', (data: Buffer) => {
        // Until uWS opens the client socket, the proxy answers for a client that is on its way.
        if (session.client) session.client.ping(data);
        else upstream.pong(data);
      });
      upstream.on('close', (code: number, reason: Buffer) => {
        release(session, 'success');
        const { client } = session;
        if (!client) return;
        const close = relayedClose(code);
        if (close === ABNORMAL) client.close();
        else if (close === NO_CODE) client.end();
        else client.end(close, reason);
      });
    },
    open(client) {
      const { session } = client.getUserData();
      session.client = client;
      for (const { data, isBinary } of session.early.splice(0)) client.send(data, isBinary);
    },
    message(client, message, isBinary) {
      const { upstream } = client.getUserData().session;
      if (upstream.readyState !== WebSocket.OPEN) return;
      // uWS reuses the message's memory after this call returns.
      upstream.send(Buffer.copyBytesFrom(new Uint8Array(message)), { binary: isBinary });
      if (upstream.bufferedAmount > MAX_UPSTREAM_BACKLOG) client.end(1013, 'backend is not keeping up');
    },
    // uWS has already answered the client's ping; the backend sees it too (its pong is dropped: uWS 20.30
    // can send no pong of its own, and the client has its answer).
    ping(client, message) {
      const { upstream } = client.getUserData().session;
      if (upstream.readyState === WebSocket.OPEN) upstream.ping(Buffer.copyBytesFrom(new Uint8Array(message)));
    },
    pong(client, message) {
      const { upstream } = client.getUserData().session;
      if (upstream.readyState === WebSocket.OPEN) upstream.pong(Buffer.copyBytesFrom(new Uint8Array(message)));
    },
    drain(client) {
      if (client.getBufferedAmount() < CLIENT_HIGH_WATER / 2) client.getUserData().session.upstream.resume();
    },
    close(client, code, message) {
      const { session } = client.getUserData();
      session.client = null;
      const { upstream } = session;
      const close = relayedClose(code);
      if (upstream.readyState !== WebSocket.OPEN || close === ABNORMAL) upstream.terminate();
      else if (close === NO_CODE) upstream.close();
      else upstream.close(close, Buffer.from(message));
    },
  };
}
