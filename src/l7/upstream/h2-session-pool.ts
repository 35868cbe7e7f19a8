// HTTP/2 sessions to one backend (an h2c or h2 pool), per worker thread: a few sessions, each carrying up to
// STREAMS_PER_SESSION concurrent exchanges before the next one opens; pings that find a dead peer, GOAWAY
// honoured (the open streams finish, no new one starts), and idle sessions closed.
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  type OutgoingHttpHeaders,
  type SecureClientSessionOptions,
} from 'node:http2';
import { isIP } from 'node:net';
import type { UpstreamTlsConfig } from '../../config/upstream-protocol.js';
import { H2StreamLink, type StreamHost } from './h2-stream-link.js';
import type { AcquireWaiter, UpstreamSource } from './link.js';
import type { UpstreamPoolOptions } from './pool.js';
import { TimeoutSweep } from './timeout-sweep.js';
import { UpstreamError } from './upstream-error.js';

/**
 * Streams per session before another opens (fewer if the backend's SETTINGS say so). Several sessions
 * spread one worker's streams over more backend threads and cap what a lost session takes with it.
 */
const STREAMS_PER_SESSION = 100;
/** Flow-control windows: the 64 KiB defaults stall a fast backend on a loopback or LAN round trip. */
const STREAM_WINDOW_BYTES = 1024 * 1024;
const SESSION_WINDOW_BYTES = 16 * 1024 * 1024;
/** How often a session is pinged; one that does not answer within the connect timeout is dropped. */
const PING_INTERVAL_MS = 10_000;

export interface H2SessionPoolOptions extends UpstreamPoolOptions {
  /** null: h2c (cleartext, prior knowledge); else TLS with ALPN h2. */
  tls: UpstreamTlsConfig | null;
}

/** One session and the streams it carries. */
class H2Session implements StreamHost {
  readonly session: ClientHttp2Session;
  private readonly pool: H2SessionPool;
  connected = false;
  /** Takes no new stream: GOAWAY received, closing, or dead. */
  draining = false;
  protocolError = false;
  active = 0;
  idleSince = 0;
  awaitingPing = false;

  constructor(session: ClientHttp2Session, pool: H2SessionPool) {
    this.session = session;
    this.pool = pool;
  }

  get capacity(): number {
    return Math.min(STREAMS_PER_SESSION, this.session.remoteSettings.maxConcurrentStreams ?? STREAMS_PER_SESSION);
  }

  request(head: OutgoingHttpHeaders, options: { endStream: boolean; waitForTrailers: boolean }): ClientHttp2Stream {
    return this.session.request(head, options);
  }

  streamFinished(): void {
    this.active--;
    if (this.active === 0) this.idleSince = Date.now();
    this.pool.serveWaiting();
  }
}

export class H2SessionPool implements UpstreamSource {
  private readonly options: H2SessionPoolOptions;
  private readonly sessions: H2Session[] = [];
  private readonly waiting: AcquireWaiter[] = [];
  private readonly sweep: TimeoutSweep;
  private sessionsOpened = 0;
  private retired = false;
  private liveness: NodeJS.Timeout | null = null;

  constructor(options: H2SessionPoolOptions) {
    this.options = options;
    this.sweep = new TimeoutSweep(Math.min(options.timeouts.responseMs, options.timeouts.idleMs));
  }

  get opened(): number {
    return this.sessionsOpened;
  }

  acquire(waiter: AcquireWaiter): void {
    const session = this.withRoom();
    if (session !== null) {
      this.handOut(session, waiter);
      return;
    }
    this.waiting.push(waiter);
    this.openIfNeeded();
  }

  cancel(waiter: AcquireWaiter): void {
    const index = this.waiting.indexOf(waiter);
    if (index !== -1) this.waiting.splice(index, 1);
  }

  /** Hands freed or new stream slots to queued exchanges, opening another session if they still wait. */
  serveWaiting(): void {
    while (this.waiting.length > 0) {
      const session = this.withRoom();
      if (session === null) break;
      this.handOut(session, this.waiting.shift() as AcquireWaiter);
    }
    if (this.waiting.length > 0) this.openIfNeeded();
  }

  retire(): void {
    this.retired = true;
    for (const session of this.sessions) {
      session.draining = true;
      session.session.close();
    }
  }

  close(): void {
    this.retired = true;
    for (const session of this.sessions) session.session.destroy();
    this.failWaiting(new UpstreamError('connect', false, 'the upstream pool was closed'));
  }

  private handOut(session: H2Session, waiter: AcquireWaiter): void {
    session.active++;
    waiter.onAcquired(null, new H2StreamLink(session, this.sweep, this.options.timeouts));
  }

  /** The first connected session with a free stream slot, in opening order (so later ones can go idle). */
  private withRoom(): H2Session | null {
    for (const session of this.sessions) {
      if (session.connected && !session.draining && session.active < session.capacity) return session;
    }
    return null;
  }

  private openIfNeeded(): void {
    if (this.retired || this.sessions.length >= this.options.maxSockets) return;
    if (this.sessions.some((session) => !session.connected)) return;
    this.open();
  }

  private open(): void {
    const { host, port, tls, connectTimeoutMs } = this.options;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    const authority = `${tls === null ? 'http' : 'https'}://${urlHost}:${port}`;
    const options: SecureClientSessionOptions = { settings: { initialWindowSize: STREAM_WINDOW_BYTES, enablePush: false } };
    if (tls !== null) {
      if (tls.ca !== null) options.ca = tls.ca;
      options.rejectUnauthorized = !tls.insecure;
      const serverName = tls.serverName ?? (isIP(host) === 0 ? host : undefined);
      if (serverName !== undefined) options.servername = serverName;
    }
    const session = new H2Session(connect(authority, options), this);
    this.sessionsOpened++;
    this.sessions.push(session);
    this.watchLiveness();
    const client = session.session;
    const connectTimer = setTimeout(() => {
      if (session.connected) return;
      client.destroy();
      this.connectFailed(new UpstreamError('connect-timeout', false, `connect to ${host}:${port} timed out after ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    client.once('connect', () => {
      clearTimeout(connectTimer);
      session.connected = true;
      session.idleSince = Date.now();
      client.setLocalWindowSize(SESSION_WINDOW_BYTES);
      this.serveWaiting();
    });
    client.on('remoteSettings', () => this.serveWaiting());
    client.on('goaway', () => {
      session.draining = true;
    });
    client.on('error', (error: NodeJS.ErrnoException) => {
      // nghttp2's session errors (a malformed frame, a flow-control violation) are the backend breaking HTTP/2.
      if (error.code === 'ERR_HTTP2_SESSION_ERROR' || error.code === 'ERR_HTTP2_ERROR') session.protocolError = true;
      if (!session.connected) {
        clearTimeout(connectTimer);
        this.connectFailed(new UpstreamError('connect', false, `cannot connect to ${host}:${port}: ${error.code ?? error.message}`));
      }
    });
    client.once('close', () => {
      clearTimeout(connectTimer);
      session.draining = true;
      this.sessions.splice(this.sessions.indexOf(session), 1);
      if (!session.connected) this.connectFailed(new UpstreamError('connect', false, `cannot connect to ${host}:${port}: closed`));
      else this.serveWaiting();
    });
  }

  /** No session could be opened: the queued exchanges fail now (and may retry elsewhere) unless another session serves them. */
  private connectFailed(error: UpstreamError): void {
    if (this.sessions.some((session) => session.connected && !session.draining)) return;
    this.failWaiting(error);
  }

  private failWaiting(error: UpstreamError): void {
    for (const waiter of this.waiting.splice(0)) waiter.onAcquired(error, null);
  }

  /** One timer per backend while it has sessions: pings find a peer that went silent; idle sessions close. */
  private watchLiveness(): void {
    if (this.liveness !== null) return;
    const tickMs = Math.min(PING_INTERVAL_MS, this.options.timeouts.idleMs);
    this.liveness = setInterval(() => this.checkLiveness(), tickMs);
    this.liveness.unref();
  }

  private checkLiveness(): void {
    if (this.sessions.length === 0) {
      clearInterval(this.liveness as NodeJS.Timeout);
      this.liveness = null;
      return;
    }
    const now = Date.now();
    for (const session of this.sessions) {
      if (!session.connected || session.draining) continue;
      if (session.active === 0 && now - session.idleSince >= this.options.timeouts.idleMs) {
        session.draining = true;
        session.session.close();
      } else if (!session.awaitingPing) {
        this.ping(session);
      }
    }
  }

  private ping(session: H2Session): void {
    session.awaitingPing = true;
    const client = session.session;
    const deadline = setTimeout(() => {
      // No PING ACK within the connect timeout: the peer or the path is gone; its streams fail and may retry.
      if (session.awaitingPing && !client.destroyed) client.destroy();
    }, this.options.connectTimeoutMs);
    deadline.unref();
    const sent = client.ping(() => {
      clearTimeout(deadline);
      session.awaitingPing = false;
    });
    if (!sent) {
      clearTimeout(deadline);
      session.awaitingPing = false;
    }
  }
}
