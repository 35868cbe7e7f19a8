// Writes one exchange's response to a client of the node:http / node:http2 front, with backpressure: the
// upstream socket is paused while the client's connection (or HTTP/2 stream) holds more than its
// high-water mark, until 'drain'. Runs on an L7 worker thread.
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { RespondingExchange, ResponseSink } from './downstream.js';
import { mayTrail } from './trailer-fields.js';
import type { ResponseHead } from './upstream/response-parser.js';

export type NodeResponse = ServerResponse | Http2ServerResponse;

export class NodeResponseWriter implements ResponseSink {
  private readonly res: NodeResponse;
  private readonly exchange: RespondingExchange;
  private readonly http2: boolean;
  started = false;
  /** A write returned false: the upstream socket is paused until the client's side drains. */
  stalled = false;
  /** Node keeps every byte it was given: nothing is left for Fulcrum to deliver. */
  readonly holdsLastPiece = false;
  bytesSent = 0;
  /** The body length the backend declared (-1: chunked or until close). */
  private responseLength = -1;
  private readonly onDrain = (): void => {
    this.stalled = false;
    this.exchange.noteClientProgress();
    this.exchange.upstreamSocket?.resume();
  };

  constructor(res: NodeResponse, exchange: RespondingExchange, http2: boolean) {
    this.res = res;
    this.exchange = exchange;
    this.http2 = http2;
  }

  corked(work: () => void): void {
    work();
  }

  writeHead(head: ResponseHead, setCookie: string | null, close: boolean): void {
    this.started = true;
    this.responseLength = head.contentLength;
    const headers = responseHeaders(head, setCookie, close && !this.http2, this.http2);
    const bodyless = this.exchange.method === 'HEAD' || head.status === 204 || head.status === 304;
    if (this.http2) {
      (this.res as Http2ServerResponse).writeHead(head.status, headers);
    } else {
      const reason = head.statusLine.length > 4 ? head.statusLine.slice(4) : undefined;
      (this.res as ServerResponse).writeHead(head.status, reason, headers);
    }
    if (bodyless) {
      this.res.end();
      this.exchange.markFinished();
    }
  }

  onBody(chunk: Buffer): void {
    const { exchange } = this;
    if (exchange.finished || chunk.length === 0) return;
    this.bytesSent += chunk.length;
    // A copy: the chunk is a view of the upstream read buffer, and Node may hold what it could not send yet.
    const drained = (this.res.write as (chunk: Buffer) => boolean)(Buffer.from(chunk));
    if (this.bytesSent === this.responseLength) {
      // The declared body is all here: the response ends now, as on the uWS front, so that what the backend
      // sends after it (garbage in the same read) fails only the upstream socket, not the client's answer.
      this.res.end();
      exchange.markFinished();
      return;
    }
    if (drained || this.stalled) return;
    this.stalled = true;
    exchange.upstreamSocket?.pause();
    exchange.watchClient();
    this.res.once('drain', this.onDrain);
  }

  /** Repeated names are joined; those trailer-fields.ts keeps out are dropped. */
  writeTrailers(trailers: string[]): void {
    const fields: Record<string, string> = {};
    for (let index = 0; index < trailers.length; index += 2) {
      const name = (trailers[index] as string).toLowerCase();
      if (!mayTrail(name)) continue;
      const value = trailers[index + 1] as string;
      fields[name] = fields[name] === undefined ? value : `${fields[name]}, ${value}`;
    }
    this.res.addTrailers(fields);
  }

  end(): void {
    this.res.end();
  }

  offerStalled(): void {
    // Node retries its own writes: a stalled response moves on at the next 'drain'.
  }
}

/**
 * The headers for node's writeHead: the backend's end-to-end ones (repeated names as arrays, except that
 * HTTP/2 joins repeats other than set-cookie, as it refuses arrays for single-valued names), the framing
 * node needs to decide between a length and chunked or DATA frames, and Fulcrum's own.
 */
function responseHeaders(head: ResponseHead, setCookie: string | null, close: boolean, http2: boolean): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const { endToEnd } = head;
  for (let index = 0; index < endToEnd.length; index += 2) {
    const name = (endToEnd[index] as string).toLowerCase();
    const value = endToEnd[index + 1] as string;
    const previous = headers[name];
    if (previous === undefined) headers[name] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else headers[name] = http2 && name !== 'set-cookie' ? `${previous}, ${value}` : [previous, value];
  }
  if (setCookie !== null) {
    const previous = headers['set-cookie'];
    headers['set-cookie'] = previous === undefined ? setCookie : [...(Array.isArray(previous) ? previous : [previous]), setCookie];
  }
  const length = head.contentLength >= 0 ? head.contentLength : head.status === 204 ? -1 : head.declaredLength;
  if (length >= 0) headers['content-length'] = String(length);
  if (close) headers.connection = 'close';
  return headers;
}
