// The request body's way from the client (any front) to the upstream link of one ProxiedRequest:
// held while no connection is ready, written as it arrives, the client paused while the upstream cannot
// take more. Runs on an L7 worker thread.
import type { Downstream } from './downstream.js';
import type { ForwardPlan } from './forward-plan.js';
import type { UpstreamLink } from './upstream/link.js';

/** Body chunks held while no upstream link is ready, before the client is paused. */
const MAX_BUFFERED_CHUNKS = 16;

/** What the upload reads from, and reports to, the exchange it belongs to. */
export interface UploadingExchange {
  readonly downstream: Downstream;
  readonly plan: ForwardPlan;
  /** Set once the response ended or the client left: from then on nothing may touch it. */
  readonly finished: boolean;
  /** The upstream link carrying the request; null while none is ready. */
  readonly connection: UpstreamLink | null;
  /** The client made progress: its body timeout counts from now. */
  noteClientProgress(): void;
  /** The whole request (a body too, when there is one) went to the backend. */
  onRequestSent(): void;
  /** A body without a declared length grew past FULCRUM_MAX_BODY: stop forwarding it. */
  rejectBody(): void;
}

export class RequestBodyUpload {
  private readonly exchange: UploadingExchange;
  /** Body chunks that arrived before an upstream link was ready; null while none wait. */
  private bufferedBody: Buffer[] | null = null;
  private bodyBytes = 0;
  /** The client sent all of the body (true from the start for a request without one). */
  complete: boolean;
  /** A body byte went to a backend (a failed exchange may then not be sent again). */
  sent = false;
  /** The client's body was paused; uWS 20.30 breaks the next keep-alive request if resume() runs without a pause. */
  clientPaused = false;
  /** The client's trailer fields, sent after a chunked body's last chunk (other framings have no room for them). */
  private trailers: string[] | null = null;
  /** A 'drain' listener on the upstream socket will resume the client. */
  private awaitingDrain = false;

  constructor(exchange: UploadingExchange, hasBody: boolean) {
    this.exchange = exchange;
    this.complete = !hasBody;
  }

  /** `chunk` is the upload's to keep (the front copied it if it had to). */
  onClientBody(chunk: Buffer, isLast: boolean, trailers?: string[]): void {
    const { exchange } = this;
    if (exchange.finished) return;
    exchange.noteClientProgress();
    this.bodyBytes += chunk.length;
    if (this.bodyBytes > exchange.plan.maxBody) {
      exchange.rejectBody();
      return;
    }
    if (exchange.connection && this.bufferedBody === null) {
      this.writeBody(chunk);
    } else if (chunk.length > 0) {
      // Allocated on the first chunk that has to wait: most bodies never do.
      const buffered = (this.bufferedBody ??= []);
      buffered.push(chunk);
      if (buffered.length > MAX_BUFFERED_CHUNKS) this.pauseClient();
    }
    if (isLast) {
      this.complete = true;
      this.trailers = trailers ?? null;
      if (exchange.connection && this.bufferedBody === null) this.endBody();
    }
  }

  /** A connection is ready: what waited goes to it, and so does the end of the request once the body is all in. */
  flushBody(): void {
    const chunks = this.bufferedBody;
    if (chunks !== null) {
      this.bufferedBody = null;
      for (const chunk of chunks) this.writeBody(chunk);
      if (!this.awaitingDrain) this.resumeClient();
    }
    if (this.complete) this.endBody();
  }

  /**
   * The response ended, maybe while the client was paused mid-body (the backend answered early): the front
   * must read and drop the rest of that body, or the client's next request on this connection would never be read.
   */
  releaseClient(clientAborted: boolean): void {
    if (this.clientPaused && !clientAborted) {
      this.clientPaused = false;
      this.exchange.downstream.resumeBody();
    }
  }

  private writeBody(chunk: Buffer): void {
    const connection = this.exchange.connection as UpstreamLink;
    if (chunk.length === 0) return;
    this.sent = true;
    const drained = connection.writeBody(chunk, this.exchange.plan.chunkedBody);
    if (!drained && !this.complete && !this.awaitingDrain) {
      this.awaitingDrain = true;
      this.pauseClient();
      connection.socket.once('drain', () => {
        this.awaitingDrain = false;
        this.resumeClient();
      });
    }
  }

  private pauseClient(): void {
    if (this.clientPaused) return;
    this.clientPaused = true;
    this.exchange.downstream.pauseBody();
  }

  private resumeClient(): void {
    const { exchange } = this;
    if (!this.clientPaused || exchange.finished) return;
    this.clientPaused = false;
    // The client's silence while paused was Fulcrum's doing: its body timeout starts again now.
    exchange.noteClientProgress();
    exchange.downstream.resumeBody();
  }

  /** The whole request went to the backend (a body too, when there is one): the wait for its answer starts. */
  private endBody(): void {
    const { exchange } = this;
    if (!exchange.connection) return;
    exchange.connection.endRequestBody(exchange.plan.chunkedBody, this.trailers);
    exchange.onRequestSent();
  }
}
