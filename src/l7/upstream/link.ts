// What the exchange core sees of an upstream transport: a source per backend that hands out links, and a
// link that carries one exchange. HTTP/1.1 (connection.ts, pool.ts) and HTTP/2 (h2-stream-link.ts,
// h2-session-pool.ts) implement them. Runs on an L7 worker thread.
import type { OutgoingHttpHeaders } from 'node:http2';
import type { Exchange } from './connection.js';
import type { UpstreamError } from './upstream-error.js';

/**
 * The request head as a pool's protocol sends it: HTTP/1.1 text ("GET / HTTP/1.1\r\n...\r\n\r\n"), or the
 * HTTP/2 header list with its pseudo-headers. The request handler builds the one its pool speaks.
 */
export type UpstreamHead = string | OutgoingHttpHeaders;

/** The flow control of a link's response and request body: a socket (HTTP/1.1) or a stream (HTTP/2). */
export interface LinkFlow {
  pause(): void;
  resume(): void;
  once(event: 'drain', listener: () => void): void;
}

/** Carries one exchange at a time to one backend. */
export interface UpstreamLink {
  readonly socket: LinkFlow;
  /** Sends the request head; a body, when `hasBody`, follows through writeBody and endRequestBody. */
  begin(exchange: Exchange, head: UpstreamHead, isHeadRequest: boolean, hasBody: boolean): void;
  /** Writes request body bytes (re-chunked for HTTP/1.1 when `chunked`); false when the flow wants a 'drain' first. */
  writeBody(chunk: Buffer, chunked: boolean): boolean;
  /** The whole body was handed to writeBody; the client's trailers go after it where the framing has room for them. */
  endRequestBody(chunked: boolean, trailers: string[] | null): void;
  /** The client went away: the exchange is dropped and the link never reused. */
  abort(): void;
}

/** Waits for a link; an object rather than a closure so a request costs no extra allocation. */
export interface AcquireWaiter {
  onAcquired(error: UpstreamError | null, link: UpstreamLink | null): void;
}

/** One backend's links, per worker thread. */
export interface UpstreamSource {
  /** Connections (HTTP/1.1) or sessions (HTTP/2) opened since start; lets tests and stats observe reuse. */
  readonly opened: number;
  acquire(waiter: AcquireWaiter): void;
  /** Drops a queued acquire whose request was abandoned (client abort). */
  cancel(waiter: AcquireWaiter): void;
  /** A reload replaced this source: what is open finishes, then closes; nothing new is opened. */
  retire(): void;
  close(): void;
}
