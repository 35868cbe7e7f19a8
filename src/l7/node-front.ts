// The complete front (FULCRUM_PROTOCOLS=all): node:http (llhttp) and node:http2 (nghttp2) in the worker.
// Cleartext serves HTTP/1.0, HTTP/1.1 with pipelining, and h2c by prior knowledge on the same port (the
// first bytes are peeked for the HTTP/2 preface); TLS serves h2 and http/1.1 by ALPN, certificates by SNI.
// Node 20 has no reusePort, so the addon opens each worker's SO_REUSEPORT socket and the server adopts
// its fd. Runs on an L7 worker thread.

import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  createServer as createHttp2Server,
  createSecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
  type Settings,
} from 'node:http2';
import { isIP, type Server as NetServer, type Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import { native } from '../native/load.js';
import type { Front, StartFailure } from './front.js';
import { isGrpcContentType } from './grpc-status.js';
import { Http1Downstream } from './http1-downstream.js';
import { Http2Downstream, type ReceivedTrailers } from './http2-downstream.js';
import type { TlsSpec } from './listener-app.js';
import { answerClientError } from './node-client-error.js';
import { clientAddressOf, http1RequestHead, http2RequestHead } from './node-request-head.js';
import { refuseConnect, tunnelUpgrade } from './node-upgrade-tunnel.js';
import type { RequestHandler, RequestLimits } from './request-handler.js';

/** The client connection preface every HTTP/2 connection starts with (RFC 9113 §3.4). */
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const LISTEN_BACKLOG = 511;
/** Streams one HTTP/2 client may have open at once (nghttp2 would allow 2^32-1). */
const MAX_CONCURRENT_STREAMS = 128;
/** Per-stream and per-connection receive windows: the 64 KiB defaults throttle large uploads (nodejs/node#50972). */
const STREAM_WINDOW_BYTES = 1024 * 1024;
const CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024;
/** A connection that has not sent its first bytes by then is closed (before a server owns it, no other timer runs). */
const FIRST_BYTES_TIMEOUT_MS = 10_000;
/** Idle keep-alive HTTP/1 connections are closed after this, as uWS does. */
const KEEP_ALIVE_TIMEOUT_MS = 10_000;
/**
 * A request head still incomplete this long after its first byte is cut (a slowloris client), as uWS does
 * after 8-12 s; node's default is 60 s. Node checks at its connections-checking interval (30 s by default).
 */
const HEAD_TIMEOUT_MS = 10_000;
const HEAD_TIMEOUT_CHECK_MS = 2_000;

export interface NodeFrontSpec {
  host: string;
  port: number;
  tls: TlsSpec | null;
  limits: RequestLimits;
}

export class NodeFront implements Front {
  private readonly spec: NodeFrontSpec;
  private readonly handler: () => RequestHandler;
  private readonly http1: Server;
  private readonly http2: NetServer;
  /** The server that owns the listening socket: the HTTP/1 server (it peeks for h2c) or the TLS one. */
  private readonly listener: NetServer;
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<Http2Session>();
  private readonly scheme: 'http' | 'https';

  /** The setting the address comes from, named when it cannot be listened on. */
  private readonly setting: StartFailure['failed'];

  /** Throws when a TLS certificate or key does not load. `handler` is read per request: a reload swaps it. */
  constructor(spec: NodeFrontSpec, handler: () => RequestHandler, setting: StartFailure['failed']) {
    this.setting = setting;
    this.spec = spec;
    this.handler = handler;
    this.scheme = spec.tls ? 'https' : 'http';
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => this.onRequest(req, res);
    const onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]): void =>
      this.onStream(stream, rawHeaders, isGrpcContentType(headers['content-type']));
    // Room past Fulcrum's own limits, so that Fulcrum answers 414 and 431 itself with its error codes.
    const headerRoom = spec.limits.maxHeaderSize + spec.limits.maxUrlLength + 1024;
    const settings: Settings = {
      maxConcurrentStreams: MAX_CONCURRENT_STREAMS,
      initialWindowSize: STREAM_WINDOW_BYTES,
      maxHeaderListSize: headerRoom,
    };
    const http2Options = { settings, maxHeaderListPairs: 256 };
    this.http1 = createHttpServer(
      {
        maxHeaderSize: headerRoom,
        requestTimeout: 0,
        headersTimeout: HEAD_TIMEOUT_MS,
        connectionsCheckingInterval: HEAD_TIMEOUT_CHECK_MS,
        keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      },
      onRequest,
    );
    this.http1.on('clientError', answerClientError);
    if (spec.tls) {
      // HTTP/1.1 by ALPN arrives as 'request'; adding that listener also makes node wrap every HTTP/2
      // stream in its compatibility objects, which is undone here: streams are served through 'stream'.
      const secure = createSecureServer({ ...http2Options, ...secureOptions(spec.tls), allowHTTP1: true });
      // node's types name only the compatibility objects; with them undone, requests here are node:http's.
      secure.on('request', onRequest as unknown as (req: Http2ServerRequest, res: Http2ServerResponse) => void);
      secure.removeAllListeners('stream');
      this.http2 = secure;
      this.listener = secure;
      secure.on('secureConnection', (socket: Socket) => this.track(socket));
    } else {
      this.http2 = createHttp2Server(http2Options);
      this.listener = this.http1;
      // The HTTP/1 server keeps its timeouts and connection tracking; its connection handler runs only for
      // connections that turn out not to be h2c.
      const http1Connection = this.http1.listeners('connection')[0] as (socket: Socket) => void;
      this.http1.removeAllListeners('connection');
      this.http1.on('connection', (socket: Socket) => this.sniff(socket, http1Connection));
    }
    const onUpgrade = (req: IncomingMessage, socket: Socket, early: Buffer): void =>
      tunnelUpgrade(this.handler(), req, socket, early, this.scheme);
    for (const server of spec.tls ? [this.http2] : [this.http1]) {
      // With TLS, node's HTTP/1 parser reports to the HTTP/2 server that handed it the connection.
      if (spec.tls) server.on('clientError', answerClientError);
      server.on('upgrade', onUpgrade);
      server.on('connect', (_req: IncomingMessage, socket: Socket) => refuseConnect(socket));
    }
    this.http2.on('stream', onStream);
    this.http2.on('session', (session: Http2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      session.once('connect', () => session.setLocalWindowSize(CONNECTION_WINDOW_BYTES));
      // A session error (a protocol violation, a flood) costs that connection only.
      session.on('error', () => session.destroy());
      this.closeWhenIdle(session);
    });
  }

  async listen(): Promise<StartFailure | null> {
    const { host, port } = this.spec;
    let fd: number;
    try {
      const ip = isIP(host) ? host : (await lookup(host)).address;
      fd = native.l4.openReusePortListener(ip, port, LISTEN_BACKLOG);
    } catch (error) {
      return { failed: this.setting, reason: `cannot listen on ${host}:${port}: ${(error as Error).message}` };
    }
    return new Promise((resolve) => {
      this.listener.once('error', (error) =>
        resolve({ failed: this.setting, reason: `cannot listen on ${host}:${port}: ${error.message}` }),
      );
      this.listener.listen({ fd }, () => resolve(null));
    });
  }

  stopAccepting(): void {
    this.listener.close();
    for (const session of this.sessions) session.close();
  }

  closeAll(): void {
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
    this.http1.closeAllConnections();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    // Errors of a connection that went away end up here; the exchange learns of it through 'close'.
    req.on('error', ignore);
    res.on('error', ignore);
    const downstream = new Http1Downstream(req, res, clientAddressOf(req.socket.remoteAddress));
    this.handler().handleHead(downstream, http1RequestHead(req, this.scheme));
  }

  private onStream(stream: ServerHttp2Stream, rawHeaders: string[], grpc: boolean): void {
    // A stream error (a reset, a protocol error) reaches the exchange through 'close'.
    stream.on('error', ignore);
    // After the rest of what was read with it: a stream the client reset in the same read (a rapid-reset
    // flood, CVE-2023-44487, opens and resets thousands) is closed by then, and never reaches a backend.
    // The body's trailers (and its end) may come in that same read, before the exchange listens.
    const received: ReceivedTrailers = {};
    stream.once('trailers', (fields: IncomingHttpHeaders) => {
      received.fields = fields;
    });
    setImmediate(() => {
      if (stream.closed) return;
      const head = http2RequestHead(rawHeaders, this.scheme);
      const clientAddress = clientAddressOf(stream.session?.socket?.remoteAddress);
      const downstream = new Http2Downstream(stream, head.method, clientAddress, grpc, received);
      this.handler().handleHead(downstream, head);
    });
  }

  /**
   * Closes a session with no open stream after KEEP_ALIVE_TIMEOUT_MS of silence, as the HTTP/1 server does
   * with an idle connection. Without it a client that never closes keeps its socket forever, and so does one
   * whose malformed frame nghttp2 answered with GOAWAY: node reports no error then and leaves the socket open.
   */
  private closeWhenIdle(session: Http2Session): void {
    let openStreams = 0;
    session.on('stream', (stream) => {
      openStreams++;
      stream.once('close', () => openStreams--);
    });
    // Node re-arms the timer on every frame of the session; it fires once per silence.
    session.setTimeout(KEEP_ALIVE_TIMEOUT_MS, () => {
      if (openStreams === 0) session.destroy();
    });
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** Hands a cleartext connection to the HTTP/2 server if it opens with the preface, else to the HTTP/1 one. */
  private sniff(socket: Socket, http1Connection: (socket: Socket) => void): void {
    this.track(socket);
    socket.on('error', ignore);
    socket.setTimeout(FIRST_BYTES_TIMEOUT_MS, () => socket.destroy());
    let seen: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const compared = Math.min(seen.length, HTTP2_PREFACE.length);
      const prefaceSoFar = seen.subarray(0, compared).equals(HTTP2_PREFACE.subarray(0, compared));
      if (prefaceSoFar && compared < HTTP2_PREFACE.length) return;
      socket.removeListener('data', onData);
      socket.setTimeout(0);
      socket.pause();
      if (prefaceSoFar) {
        // The HTTP/2 session reads what was put back before it consumes the socket.
        socket.unshift(seen);
        this.http2.emit('connection', socket);
      } else {
        // The HTTP/1 parser consumes the socket's handle directly: the bytes read so far are fed to it as data.
        http1Connection.call(this.http1, socket);
        socket.emit('data', seen);
        socket.resume();
      }
    };
    socket.on('data', onData);
  }
}

function ignore(): void {}

/** The default certificate, and the SNI ones by name in any letter case (a wildcard covers one label). */
function secureOptions(tls: TlsSpec): {
  cert: Buffer;
  key: Buffer;
  SNICallback?: (name: string, done: (error: Error | null, context?: SecureContext) => void) => void;
} {
  const cert = readFileSync(tls.cert);
  const key = readFileSync(tls.key);
  if (tls.certificates.length === 0) return { cert, key };
  const byName = new Map<string, SecureContext>();
  for (const certificate of tls.certificates) {
    const context = createSecureContext({ cert: readFileSync(certificate.cert), key: readFileSync(certificate.key) });
    byName.set(certificate.serverName.toLowerCase(), context);
  }
  return {
    cert,
    key,
    SNICallback: (name, done) => {
      const lower = name.toLowerCase();
      const dot = lower.indexOf('.');
      // Undefined: the default certificate.
      done(null, byName.get(lower) ?? (dot > 0 ? byName.get(`*${lower.slice(dot)}`) : undefined));
    },
  };
}
