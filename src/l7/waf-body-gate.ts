// Holds a request body back from the upstream until the WAF has read it: the body is buffered (up to the
// route's waf.bodyLimit, beyond which the request gets 413 and the connection closes), inspected, and then
// handed to the exchange as if the client had just sent it all at once. Runs on an L7 worker thread.
import type { CutFailure, Downstream, RespondingExchange, ResponseSink } from './downstream.js';
import type { ReplyContext } from './replies.js';

export class WafBodyGate {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private aborted = false;

  /**
   * `limit`: the most body the WAF reads; `onBody`: the whole body arrived (with the client's trailers, if any);
   * `onTooLarge`: it grew past the limit (nothing more is read); `onAborted`: the client left before the end.
   */
  constructor(
    downstream: Downstream,
    limit: number,
    onBody: (body: Buffer, trailers: string[] | undefined) => void,
    onTooLarge: () => void,
    onAborted: () => void,
  ) {
    downstream.onAborted(() => {
      this.aborted = true;
      onAborted();
    });
    downstream.onBody((chunk, isLast, trailers) => {
      if (this.aborted || this.bytes > limit) return;
      this.bytes += chunk.length;
      if (this.bytes > limit) {
        onTooLarge();
        return;
      }
      if (chunk.length > 0) this.chunks.push(chunk);
      if (isLast) onBody(this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.bytes), trailers);
    });
  }
}

/** The downstream an exchange sees after the WAF passed a buffered body: the body comes at once, from memory. */
export class ReplayedBodyDownstream implements Downstream {
  private readonly inner: Downstream;
  private readonly body: Buffer;
  private readonly trailers: string[] | undefined;

  constructor(inner: Downstream, body: Buffer, trailers: string[] | undefined) {
    this.inner = inner;
    this.body = body;
    this.trailers = trailers;
  }

  get clientAddress(): string {
    return this.inner.clientAddress;
  }
  get reply(): ReplyContext {
    return this.inner.reply;
  }
  get undeclaredBody(): boolean {
    return this.inner.undeclaredBody;
  }
  get declaredLengthDigits(): number {
    return this.inner.declaredLengthDigits;
  }
  get grpc(): boolean {
    return this.inner.grpc;
  }
  onAborted(handler: () => void): void {
    this.inner.onAborted(handler);
  }
  onBody(handler: (chunk: Buffer, isLast: boolean, trailers?: string[]) => void): void {
    handler(this.body, true, this.trailers);
  }
  /** The client sent everything already: there is nothing to pause or resume. */
  pauseBody(): void {}
  resumeBody(): void {}
  keepTimerAlive(bodyPaused: boolean): void {
    this.inner.keepTimerAlive(bodyPaused);
  }
  responseSink(exchange: RespondingExchange): ResponseSink {
    return this.inner.responseSink(exchange);
  }
  replyError(status: number, code: string, message: string, headers?: Readonly<Record<string, string>>): void {
    this.inner.replyError(status, code, message, headers);
  }
  refuseAndClose(status: number, code: string, message: string): void {
    this.inner.refuseAndClose(status, code, message);
  }
  cut(failure?: CutFailure): void {
    this.inner.cut(failure);
  }
}
