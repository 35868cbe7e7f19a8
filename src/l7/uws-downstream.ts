// The uWS front's side of an exchange: one uWS HttpResponse behind the Downstream interface. Worker
// thread only; everything here belongs to that thread's uWS loop.
import type { Downstream, RespondingExchange, ResponseSink } from './downstream.js';
import { type ReplyContext, refuseAndClose, replyError } from './replies.js';
import { UWS_DECLARED_DIGITS } from './request-framing.js';
import type { HttpResponse } from './uws.js';
import { UwsResponseWriter } from './uws-response-writer.js';

export class UwsDownstream implements Downstream {
  private readonly res: HttpResponse;
  readonly clientAddress: string;
  readonly reply: ReplyContext;
  readonly undeclaredBody = false;
  readonly declaredLengthDigits = UWS_DECLARED_DIGITS;
  /** gRPC needs HTTP/2. */
  readonly grpc = false;

  constructor(res: HttpResponse, clientAddress: string, reply: ReplyContext) {
    this.res = res;
    this.clientAddress = clientAddress;
    this.reply = reply;
  }

  onAborted(handler: () => void): void {
    this.res.onAborted(handler);
  }

  onBody(handler: (chunk: Buffer, isLast: boolean) => void): void {
    // uWS reuses the ArrayBuffer after the callback returns, so it is copied (once).
    this.res.onData((chunk, isLast) => handler(Buffer.copyBytesFrom(new Uint8Array(chunk)), isLast));
  }

  pauseBody(): void {
    this.res.pause();
  }

  resumeBody(): void {
    this.res.resume();
  }

  keepTimerAlive(bodyPaused: boolean): void {
    // resume() arms uWS's timer afresh (10 s); a client paused for backpressure stays paused, which disarms it.
    this.res.pause();
    if (!bodyPaused) this.res.resume();
  }

  responseSink(exchange: RespondingExchange): ResponseSink {
    return new UwsResponseWriter(this.res, exchange);
  }

  replyError(status: number, code: string, message: string, headers?: Readonly<Record<string, string>>): void {
    replyError(this.res, status, code, message, this.reply, headers);
  }

  refuseAndClose(status: number, code: string, message: string): void {
    refuseAndClose(this.res, status, code, message, this.reply);
  }

  cut(): void {
    this.res.close();
  }
}
