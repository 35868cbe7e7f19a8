// Writes one exchange's response to an HTTP/1.x client of the complete front (node:http), with
// backpressure: the upstream socket is paused while the client's connection holds more than its
// high-water mark, until 'drain'. Runs on an L7 worker thread.
import type { ServerResponse } from 'node:http';
import type { RespondingExchange, ResponseSink } from './downstream.js';
import { responseHeaders } from './node-response-headers.js';
import { trailerRecord } from './trailer-fields.js';
import type { ResponseHead } from './upstream/response-parser.js';

export class Http1ResponseWriter implements ResponseSink {
  private readonly res: ServerResponse;
  private readonly exchange: RespondingExchange;
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

  constructor(res: ServerResponse, exchange: RespondingExchange) {
    this.res = res;
    this.exchange = exchange;
  }

  corked(work: () => void): void {
    work();
  }

  writeHead(head: ResponseHead, setCookie: string | null, close: boolean): void {
    this.started = true;
    this.responseLength = head.contentLength;
    const headers = responseHeaders(head, setCookie, close, false);
    const bodyless = this.exchange.method === 'HEAD' || head.status === 204 || head.status === 304;
    const reason = head.statusLine.length > 4 ? head.statusLine.slice(4) : undefined;
    this.res.writeHead(head.status, reason, headers);
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
    const drained = this.res.write(Buffer.from(chunk));
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

  /** Sent after the last chunk (node writes trailers only on a chunked response, which this then is). */
  writeTrailers(trailers: string[]): void {
    this.res.addTrailers(trailerRecord(trailers));
  }

  end(): void {
    this.res.end();
  }

  offerStalled(): void {
    // Node retries its own writes: a stalled response moves on at the next 'drain'.
  }
}
