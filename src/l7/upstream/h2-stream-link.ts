// One exchange on one HTTP/2 stream to a backend (an h2c or h2 pool): the request head and body out, the
// response head, body and trailers back to the exchange, and the stream's fate told to its session pool.
// Runs on an L7 worker thread.
import { type ClientHttp2Stream, constants, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { trailerRecord } from '../trailer-fields.js';
import type { Exchange } from './connection.js';
import { fieldList, responseHeadOf } from './h2-response-head.js';
import type { LinkFlow, UpstreamHead, UpstreamLink } from './link.js';
import type { SweptConnection, TimeoutSweep } from './timeout-sweep.js';
import { type ExchangeTimeouts, UpstreamError, type UpstreamFailure } from './upstream-error.js';

/** The session a link's stream runs on, as the link sees it. */
export interface StreamHost {
  request(head: OutgoingHttpHeaders, options: { endStream: boolean; waitForTrailers: boolean }): ClientHttp2Stream;
  /** The session broke the protocol (a malformed frame): its streams failed as 'malformed', not 'reset'. */
  readonly protocolError: boolean;
  /** The stream slot this link held is free again (once per link). */
  streamFinished(): void;
}

/** A link's flow before its stream exists: nothing to pause, and never waiting to drain. */
const NO_FLOW: LinkFlow = { pause() {}, resume() {}, once() {} };

export class H2StreamLink implements UpstreamLink, SweptConnection {
  private readonly host: StreamHost;
  private readonly sweep: TimeoutSweep;
  private readonly timeouts: ExchangeTimeouts;
  private stream: ClientHttp2Stream | null = null;
  private exchange: Exchange | null = null;
  quietSince = 0;
  limitMs = 0;
  private requestWasHead = false;
  private headReceived = false;
  /** The backend ended its side (END_STREAM): the response is whole once the stream closes. */
  private responseEnded = false;
  /** Our side ended (or never had a body). */
  private requestEnded = false;
  private requestTrailers: OutgoingHttpHeaders = {};
  private responseTrailers: string[] | null = null;
  /** The exchange was told its outcome (or dropped): nothing more reaches it. */
  private settled = false;
  private slotHeld = true;
  private pendingChunk: Buffer | null = null;
  private readonly deliverPending = (): void => this.exchange?.onBody(this.pendingChunk as Buffer);

  constructor(host: StreamHost, sweep: TimeoutSweep, timeouts: ExchangeTimeouts) {
    this.host = host;
    this.sweep = sweep;
    this.timeouts = timeouts;
  }

  get socket(): LinkFlow {
    return this.stream ?? NO_FLOW;
  }

  begin(exchange: Exchange, head: UpstreamHead, isHeadRequest: boolean, hasBody: boolean): void {
    this.exchange = exchange;
    this.requestWasHead = isHeadRequest;
    this.requestEnded = !hasBody;
    let stream: ClientHttp2Stream;
    // Request trailers go after the last DATA frame only when the client announced them (Trailer): waiting for
    // them costs a frame and an event per request, about a fifth of node:http2's cost of a small gRPC call.
    const trailersAnnounced = hasBody && (head as OutgoingHttpHeaders).trailer !== undefined;
    try {
      stream = this.host.request(head as OutgoingHttpHeaders, { endStream: !hasBody, waitForTrailers: trailersAnnounced });
    } catch (error) {
      // The session refused a new stream (it just received GOAWAY): nothing reached the backend.
      queueMicrotask(() => this.fail('reset', false, `upstream HTTP/2 session refused a new stream: ${(error as Error).message}`));
      return;
    }
    this.stream = stream;
    stream.on('response', (headers) => this.onResponse(headers));
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('trailers', (headers) => {
      this.responseTrailers = fieldList(headers);
    });
    stream.once('end', () => this.onEnd());
    stream.once('close', () => this.onClose());
    // The close that follows says how the stream ended; the error itself adds nothing.
    stream.on('error', () => undefined);
    if (trailersAnnounced) stream.once('wantTrailers', () => stream.sendTrailers(this.requestTrailers));
    this.limitMs = this.timeouts.responseMs;
    this.quietSince = this.sweep.now;
    this.sweep.watch(this);
  }

  writeBody(chunk: Buffer): boolean {
    this.quietSince = this.sweep.now;
    return (this.stream as ClientHttp2Stream).write(chunk);
  }

  /** HTTP/2 needs no re-chunking: the body's end is the stream's, with the client's trailers when it sent any. */
  endRequestBody(_chunked: boolean, trailers: string[] | null): void {
    this.requestEnded = true;
    if (trailers !== null) this.requestTrailers = trailerRecord(trailers);
    if (!this.headReceived) this.quietSince = this.sweep.now;
    this.stream?.end();
  }

  abort(): void {
    this.exchange = null;
    this.settled = true;
    const { stream } = this;
    if (stream === null) this.releaseSlot();
    else if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
  }

  onTimeout(): void {
    if (this.headReceived) this.fail('idle-timeout', true, `upstream sent nothing for ${this.timeouts.idleMs} ms mid-response`);
    else this.fail('response-timeout', true, `upstream sent no response head within ${this.limitMs} ms`);
  }

  private onResponse(headers: IncomingHttpHeaders): void {
    const exchange = this.exchange;
    if (exchange === null) return;
    this.headReceived = true;
    this.quietSince = this.sweep.now;
    this.limitMs = this.timeouts.idleMs;
    const head = responseHeadOf(headers, this.requestWasHead);
    exchange.corked(() => exchange.onHead(head));
  }

  private onData(chunk: Buffer): void {
    const exchange = this.exchange;
    if (exchange === null) return;
    this.quietSince = this.sweep.now;
    this.pendingChunk = chunk;
    exchange.corked(this.deliverPending);
    this.pendingChunk = null;
  }

  private onEnd(): void {
    this.responseEnded = true;
    // An answer before the whole request (an early error, a gRPC status before the client finished
    // streaming): RST_STREAM with NO_ERROR stops the rest of the request (RFC 9113 §8.1), and closes the stream.
    const { stream } = this;
    if (!this.requestEnded && stream !== null && !stream.closed) stream.close(constants.NGHTTP2_NO_ERROR);
  }

  private onClose(): void {
    this.sweep.unwatch(this);
    this.releaseSlot();
    const exchange = this.exchange;
    if (this.settled || exchange === null) return;
    if (this.responseEnded && this.headReceived) {
      this.settled = true;
      this.exchange = null;
      const trailers = this.responseTrailers;
      if (trailers !== null && trailers.length > 0) exchange.corked(() => exchange.onTrailers?.(trailers));
      exchange.onComplete(true);
      return;
    }
    const code = (this.stream as ClientHttp2Stream).rstCode;
    if (code === constants.NGHTTP2_REFUSED_STREAM) {
      // Refused before any processing (RST_STREAM REFUSED_STREAM, or past a GOAWAY's last stream id): safe to send again.
      this.fail('reset', false, 'upstream refused the HTTP/2 stream (REFUSED_STREAM)');
    } else if (this.host.protocolError) {
      this.fail('malformed', true, 'upstream HTTP/2 session broke the protocol');
    } else {
      this.fail('reset', true, `upstream HTTP/2 stream closed mid-exchange (code ${code ?? 'none'})`);
    }
  }

  private fail(failure: UpstreamFailure, requestSent: boolean, message: string): void {
    const exchange = this.exchange;
    if (this.settled || exchange === null) return;
    this.settled = true;
    this.exchange = null;
    this.sweep.unwatch(this);
    const { stream } = this;
    if (stream === null) this.releaseSlot();
    else if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
    exchange.onError(new UpstreamError(failure, requestSent, message, this.headReceived));
  }

  private releaseSlot(): void {
    if (!this.slotHeld) return;
    this.slotHeld = false;
    this.host.streamFinished();
  }
}
