// Writes one exchange's response to an HTTP/2 stream of the complete front, with backpressure: the upstream
// socket is paused while the stream holds more than its high-water mark (the client's flow-control window
// is full), until 'drain'. A chunked upstream response may end with trailers, so its stream waits for them.
// Runs on an L7 worker thread.
import type { OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { RespondingExchange, ResponseSink } from './downstream.js';
import { responseHeaders } from './node-response-headers.js';
import { trailerRecord } from './trailer-fields.js';
import type { ResponseHead } from './upstream/response-parser.js';

export class Http2ResponseWriter implements ResponseSink {
  private readonly stream: ServerHttp2Stream;
  private readonly exchange: RespondingExchange;
  started = false;
  stalled = false;
  /** Node keeps every byte it was given: nothing is left for Fulcrum to deliver. */
  readonly holdsLastPiece = false;
  bytesSent = 0;
  /** The body length the backend declared (-1: chunked or until close). */
  private responseLength = -1;
  /** The backend's trailers, sent when node asks for them ('wantTrailers'); none is an empty trailer block. */
  private trailers: OutgoingHttpHeaders = {};
  private readonly onDrain = (): void => {
    this.stalled = false;
    this.exchange.noteClientProgress();
    this.exchange.upstreamSocket?.resume();
  };

  constructor(stream: ServerHttp2Stream, exchange: RespondingExchange) {
    this.stream = stream;
    this.exchange = exchange;
  }

  corked(work: () => void): void {
    work();
  }

  /** `close` has no HTTP/2 form: a draining worker sends GOAWAY instead. */
  writeHead(head: ResponseHead, setCookie: string | null): void {
    const { stream, exchange } = this;
    this.started = true;
    this.responseLength = head.contentLength;
    if (stream.destroyed) return;
    const headers: OutgoingHttpHeaders = responseHeaders(head, setCookie, false, true);
    headers[':status'] = head.status;
    const bodyless = exchange.method === 'HEAD' || head.status === 204 || head.status === 304;
    if (bodyless) {
      stream.respond(headers, { endStream: true });
      exchange.markFinished();
      return;
    }
    stream.respond(headers, { waitForTrailers: head.chunked });
    if (head.chunked) stream.once('wantTrailers', () => stream.sendTrailers(this.trailers));
  }

  onBody(chunk: Buffer): void {
    const { exchange, stream } = this;
    if (exchange.finished || chunk.length === 0 || stream.destroyed) return;
    this.bytesSent += chunk.length;
    // A copy: the chunk is a view of the upstream read buffer, and node may hold what the window does not take.
    const drained = stream.write(Buffer.from(chunk));
    if (this.bytesSent === this.responseLength) {
      // The declared body is all here: the response ends now, as on the other fronts.
      stream.end();
      exchange.markFinished();
      return;
    }
    if (drained || this.stalled) return;
    this.stalled = true;
    exchange.upstreamSocket?.pause();
    exchange.watchClient();
    stream.once('drain', this.onDrain);
  }

  writeTrailers(trailers: string[]): void {
    this.trailers = trailerRecord(trailers);
  }

  end(): void {
    if (!this.stream.destroyed) this.stream.end();
  }

  offerStalled(): void {
    // node:http2 sends what it holds as the client's window opens: a stalled response moves on at 'drain'.
  }
}
