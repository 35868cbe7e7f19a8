// The complete front's side of an HTTP/1.x exchange: one node:http request and response behind the
// Downstream interface. Runs on an L7 worker thread.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Downstream, RespondingExchange, ResponseSink } from './downstream.js';
import { Http1ResponseWriter } from './http1-response-writer.js';
import type { ReplyContext } from './replies.js';
import { EXACT_DECLARED_DIGITS } from './request-framing.js';

const EMPTY = Buffer.alloc(0);

export class Http1Downstream implements Downstream {
  private readonly req: IncomingMessage;
  private readonly res: ServerResponse;
  readonly clientAddress: string;
  readonly reply: ReplyContext;
  /** HTTP/1 announces every body: by Content-Length or Transfer-Encoding. */
  readonly undeclaredBody = false;
  readonly declaredLengthDigits = EXACT_DECLARED_DIGITS;
  /** gRPC needs HTTP/2. */
  readonly grpc = false;
  /** Fulcrum ended the response: a later 'close' is the connection's business, not an abort. */
  private ended = false;

  constructor(req: IncomingMessage, res: ServerResponse, clientAddress: string) {
    this.req = req;
    this.res = res;
    this.clientAddress = clientAddress;
    // Node writes `Connection: close` itself when it closes after a response.
    this.reply = { method: req.method ?? 'GET', clientCloses: false };
  }

  onAborted(handler: () => void): void {
    this.res.once('finish', () => {
      this.ended = true;
    });
    this.res.once('close', () => {
      if (!this.ended) handler();
    });
  }

  onBody(handler: (chunk: Buffer, isLast: boolean, trailers?: string[]) => void): void {
    // Node hands each chunk over as a Buffer of its own.
    this.req.on('data', (chunk: Buffer) => handler(chunk, false));
    this.req.once('end', () => {
      const trailers = this.req.rawTrailers;
      handler(EMPTY, true, trailers.length > 0 ? trailers : undefined);
    });
  }

  pauseBody(): void {
    this.req.pause();
  }

  resumeBody(): void {
    this.req.resume();
  }

  keepTimerAlive(): void {
    // Node arms no timer of its own on a request in progress (requestTimeout is off): Fulcrum's sweep decides.
  }

  responseSink(exchange: RespondingExchange): ResponseSink {
    return new Http1ResponseWriter(this.res, exchange);
  }

  replyError(status: number, code: string, message: string, headers?: Readonly<Record<string, string>>): void {
    this.writeReply(status, code, message, false, headers);
  }

  refuseAndClose(status: number, code: string, message: string): void {
    this.writeReply(status, code, message, true);
  }

  cut(): void {
    this.ended = true;
    this.res.socket?.destroy();
  }

  /** `close`: the connection closes after the reply. */
  private writeReply(status: number, code: string, message: string, close: boolean, extra?: Readonly<Record<string, string>>): void {
    if (this.res.headersSent) {
      this.cut();
      return;
    }
    const body = `${message}\n`;
    const headers: Record<string, string> = {
      'content-type': 'text/plain; charset=utf-8',
      'x-fulcrum-error': code,
      'content-length': String(Buffer.byteLength(body)),
    };
    if (close) headers.connection = 'close';
    Object.assign(headers, extra);
    this.res.writeHead(status, headers);
    if (this.reply.method === 'HEAD') this.res.end();
    else this.res.end(body);
  }
}
