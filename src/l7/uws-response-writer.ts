// Writes one exchange's response head and body to a uWS client, with backpressure: the upstream socket is
// paused while uWS holds bytes the client has not taken, until onWritable (or the client sweep) sees it
// take them. Runs on an L7 worker thread; everything here belongs to that thread's uWS loop.
import { endBodyless } from './bodyless-end.js';
import { writeChunked } from './chunked-writer.js';
import type { RespondingExchange, ResponseSink } from './downstream.js';
import type { ResponseHead } from './upstream/response-parser.js';
import type { HttpResponse } from './uws.js';

export class UwsResponseWriter implements ResponseSink {
  private readonly exchange: RespondingExchange;
  private readonly res: HttpResponse;
  /** The head went to the client: a later failure can only cut the connection. */
  started = false;
  private responseLength = -1;
  /** Part of a length-delimited body already went to uWS. */
  private bodyStarted = false;
  /** Response chunk waiting for uWS to drain (only with a known content-length). */
  private stalledChunk: Buffer | null = null;
  private stalledOffset = 0;
  /** Body of an unknown length parsed inside the read's cork, written once the cork ends (see chunked-writer). */
  private unsizedBody: Buffer[] = [];
  /** uWS holds chunked body the client has not taken: the next writable event is the client's progress. */
  private unsizedStalled = false;
  /** Response body bytes handed to uWS (for the access log); with a content-length, uWS's write offset. */
  bytesSent = 0;

  constructor(res: HttpResponse, exchange: RespondingExchange) {
    this.res = res;
    this.exchange = exchange;
  }

  /** uWS holds part of the response that the client has not taken. */
  get stalled(): boolean {
    return this.stalledChunk !== null || this.unsizedStalled;
  }

  /** The last piece of a length-delimited body is still to be delivered: its onWritable ends the response. */
  get holdsLastPiece(): boolean {
    return this.stalledChunk !== null;
  }

  corked(work: () => void): void {
    const { exchange } = this;
    if (exchange.finished) {
      work();
      return;
    }
    this.res.cork(work);
    if (this.unsizedBody.length > 0) this.writeUnsizedBody();
  }

  /**
   * Called inside corked(), like onBody: the head and a small body leave in one send. `setCookie` pins the
   * client to its backend (null: nothing to set); `close` adds `Connection: close`.
   */
  writeHead(head: ResponseHead, setCookie: string | null, close: boolean): void {
    this.started = true;
    this.responseLength = head.contentLength;
    const { res } = this;
    const { endToEnd } = head;
    res.writeStatus(head.statusLine);
    for (let index = 0; index < endToEnd.length; index += 2) {
      const name = endToEnd[index] as string;
      if (!isDateHeader(name)) res.writeHeader(name, endToEnd[index + 1] as string);
    }
    if (setCookie !== null) res.writeHeader('set-cookie', setCookie);
    if (close) res.writeHeader('connection', 'close');
    const bodyless = this.exchange.method === 'HEAD' || head.status === 204 || head.status === 304;
    if (bodyless) {
      endBodyless(res, head.status === 204 ? -1 : head.declaredLength);
      this.exchange.markFinished();
    }
  }

  onBody(chunk: Buffer): void {
    const { exchange } = this;
    if (exchange.finished || chunk.length === 0) return;
    const { res } = this;
    if (this.responseLength >= 0) {
      if (chunk.length === this.responseLength && !this.bodyStarted) {
        // The usual small response, whole in one read: end() sends it (uWS keeps what the client cannot
        // take yet) without tryEnd's offset bookkeeping and result array.
        res.end(chunk);
        this.bytesSent = chunk.length;
        exchange.markFinished();
        return;
      }
      exchange.watchClient();
      this.bodyStarted = true;
      const offsetBefore = res.getWriteOffset();
      const [ok, done] = res.tryEnd(chunk, this.responseLength);
      this.bytesSent = offsetBefore + (ok ? chunk.length : 0);
      if (done) exchange.markFinished();
      else if (!ok) this.stall(chunk, offsetBefore);
    } else {
      exchange.watchClient();
      this.unsizedBody.push(chunk);
    }
  }

  writeTrailers(): void {
    // uWS 20.30 writes the last chunk itself, with no room for trailer fields: they are dropped.
  }

  /** The upstream response is complete (the exchange is marked finished): a chunked body gets its end. */
  end(): void {
    const { res } = this;
    if (this.responseLength < 0) res.cork(() => res.end());
  }

  /** From the client sweep: a stalled length-delimited piece is offered again, as the client may have taken some. */
  offerStalled(): void {
    if (this.stalledChunk) this.res.cork(() => this.pushStalled(this.res.getWriteOffset()));
  }

  private writeUnsizedBody(): void {
    const pieces = this.unsizedBody;
    this.unsizedBody = [];
    let drained = true;
    for (const piece of pieces) {
      if (this.exchange.finished) return;
      if (!writeChunked(this.res, piece)) drained = false;
      this.bytesSent += piece.length;
    }
    if (!drained) this.stall(null, 0);
  }

  /** uWS could not take everything: pause the upstream socket until the client drains. */
  private stall(chunk: Buffer | null, offsetBefore: number): void {
    const { exchange } = this;
    exchange.upstreamSocket?.pause();
    // A copy: the chunk is a view of the upstream read buffer, which the next read overwrites.
    this.stalledChunk = chunk && Buffer.from(chunk);
    this.stalledOffset = offsetBefore;
    this.unsizedStalled = chunk === null;
    if (chunk) this.bytesSent = this.res.getWriteOffset();
    this.res.onWritable((offset) => this.pushStalled(offset));
  }

  /**
   * Offers the client the rest of a stalled piece, on a writable event or from the sweep (which sees a
   * slow reader's progress long before the kernel reports the socket writable). False while some is left.
   */
  private pushStalled(offset: number): boolean {
    const { exchange } = this;
    if (exchange.finished) return true;
    if (this.stalledChunk) {
      const remainder = this.stalledChunk.subarray(offset - this.stalledOffset);
      const [ok, done] = this.res.tryEnd(remainder, this.responseLength);
      this.bytesSent = ok ? offset + remainder.length : this.res.getWriteOffset();
      if (this.bytesSent > offset) exchange.noteClientProgress();
      if (done) exchange.markFinished();
      else if (!ok) return false;
      this.stalledChunk = null;
    } else {
      // A writable event: the client took part of what uWS holds for it.
      exchange.noteClientProgress();
      this.unsizedStalled = false;
    }
    // Null once the upstream response is complete: its socket went back to the pool, flowing.
    exchange.upstreamSocket?.resume();
    return true;
  }
}

/** uWS writes its own Date on every response: the backend's would be a second one. */
function isDateHeader(name: string): boolean {
  return name.length === 4 && name.toLowerCase() === 'date';
}
