// The body half both node fronts' response writers share: the backend's body written to a node Writable
// (an HTTP/1 ServerResponse or an HTTP/2 stream) with backpressure. The upstream socket is paused while the
// client's side holds more than its high-water mark, until 'drain'. Runs on an L7 worker thread.
import type { Writable } from 'node:stream';
import type { RespondingExchange, ResponseSink } from './downstream.js';
import type { ResponseHead } from './upstream/response-parser.js';

export abstract class NodeBodyWriter implements ResponseSink {
  protected readonly out: Writable;
  protected readonly exchange: RespondingExchange;
  started = false;
  /** A write returned false: the upstream socket is paused until the client's side drains. */
  stalled = false;
  /** Node keeps every byte it was given: nothing is left for Fulcrum to deliver. */
  readonly holdsLastPiece = false;
  bytesSent = 0;
  /** The body length the backend declared (-1: chunked or until close); set by writeHead. */
  protected responseLength = -1;
  private readonly onDrain = (): void => {
    this.stalled = false;
    this.exchange.noteClientProgress();
    this.exchange.upstreamSocket?.resume();
  };

  constructor(out: Writable, exchange: RespondingExchange) {
    this.out = out;
    this.exchange = exchange;
  }

  abstract writeHead(head: ResponseHead, setCookie: string | null, close: boolean): void;

  abstract writeTrailers(trailers: string[]): void;

  corked(work: () => void): void {
    work();
  }

  onBody(chunk: Buffer): void {
    const { exchange, out } = this;
    if (exchange.finished || chunk.length === 0 || out.destroyed) return;
    this.bytesSent += chunk.length;
    // A copy: the chunk is a view of the upstream read buffer, and node may hold what it could not send yet.
    const drained = out.write(Buffer.from(chunk));
    if (this.bytesSent === this.responseLength) {
      // The declared body is all here: the response ends now, as on the uWS front, so that what the backend
      // sends after it (garbage in the same read) fails only the upstream socket, not the client's answer.
      out.end();
      exchange.markFinished();
      return;
    }
    if (drained || this.stalled) return;
    this.stalled = true;
    exchange.upstreamSocket?.pause();
    exchange.watchClient();
    out.once('drain', this.onDrain);
  }

  end(): void {
    if (!this.out.destroyed) this.out.end();
  }

  offerStalled(): void {
    // Node retries its own writes: a stalled response moves on at the next 'drain'.
  }
}
