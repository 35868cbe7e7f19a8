// The complete front's side of an HTTP/2 exchange: one node:http2 stream (the core API, not the
// compatibility layer, which costs about as much again per request) behind the Downstream interface.
// Runs on an L7 worker thread.
import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { CutFailure, Downstream, RespondingExchange, ResponseSink } from './downstream.js';
import { grpcErrorFields, grpcStatusOf } from './grpc-status.js';
import { Http2ResponseWriter } from './http2-response-writer.js';
import type { ReplyContext } from './replies.js';
import { EXACT_DECLARED_DIGITS } from './request-framing.js';

const EMPTY = Buffer.alloc(0);

/** The request's trailer fields, kept from the moment the stream opened (node:http2 emits them only once). */
export interface ReceivedTrailers {
  fields?: IncomingHttpHeaders;
}

function fieldList(fields: IncomingHttpHeaders): string[] {
  return Object.entries(fields).flatMap(([name, value]) => (value === undefined ? [] : [name, String(value)]));
}

export class Http2Downstream implements Downstream {
  private readonly stream: ServerHttp2Stream;
  readonly clientAddress: string;
  readonly reply: ReplyContext;
  readonly undeclaredBody: boolean;
  readonly declaredLengthDigits = EXACT_DECLARED_DIGITS;
  readonly grpc: boolean;
  /** Fulcrum cut the stream: its 'close' is not the client's abort. */
  private cutHere = false;
  private writer: Http2ResponseWriter | null = null;

  private readonly received: ReceivedTrailers;

  constructor(stream: ServerHttp2Stream, method: string, clientAddress: string, grpc: boolean, received: ReceivedTrailers) {
    this.stream = stream;
    this.received = received;
    this.clientAddress = clientAddress;
    this.grpc = grpc;
    this.reply = { method, clientCloses: false };
    this.undeclaredBody = !stream.endAfterHeaders;
    stream.once('finish', () => endUnfinishedRequest(stream));
  }

  onAborted(handler: () => void): void {
    const { stream } = this;
    // A stream that closes with a reset code, or before its response was all written, was given up by the client.
    stream.once('close', () => {
      if (!this.cutHere && (stream.rstCode !== constants.NGHTTP2_NO_ERROR || !stream.writableFinished)) handler();
    });
  }

  onBody(handler: (chunk: Buffer, isLast: boolean, trailers?: string[]) => void): void {
    const { stream, received } = this;
    const end = () => handler(EMPTY, true, received.fields === undefined ? undefined : fieldList(received.fields));
    // node emits 'trailers' and 'end' for the same closing HEADERS frame from separate ticks, in either order:
    // the end is passed on once both had their turn.
    const endSoon = () => setImmediate(end);
    // A body that ended in the read that opened the stream (an empty DATA frame with END_STREAM) was ended before
    // the exchange began, and its 'end' went by unheard.
    if (stream.readableEnded) {
      endSoon();
      return;
    }
    stream.on('data', (chunk: Buffer) => handler(chunk, false));
    stream.once('end', endSoon);
  }

  pauseBody(): void {
    this.stream.pause();
  }

  resumeBody(): void {
    this.stream.resume();
  }

  keepTimerAlive(): void {
    // node:http2 arms no timer on a stream: Fulcrum's sweep decides.
  }

  responseSink(exchange: RespondingExchange): ResponseSink {
    this.writer = new Http2ResponseWriter(this.stream, exchange, this.grpc);
    return this.writer;
  }

  replyError(status: number, code: string, message: string, headers?: Readonly<Record<string, string>>): void {
    const { stream } = this;
    if (stream.destroyed) return;
    if (stream.headersSent) {
      this.cut();
      return;
    }
    if (this.grpc) {
      // Trailers-only (gRPC over HTTP/2): one HEADERS frame ending the stream, the error in grpc-status.
      const fields = grpcErrorFields(grpcStatusOf(status, code), code, message);
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...fields }, { endStream: true });
      return;
    }
    const body = `${message}\n`;
    const head = this.reply.method === 'HEAD';
    stream.respond(
      {
        ':status': status,
        'content-type': 'text/plain; charset=utf-8',
        'x-fulcrum-error': code,
        'content-length': String(Buffer.byteLength(body)),
        ...headers,
      },
      { endStream: head },
    );
    if (!head) stream.end(body);
  }

  /** The stream ends with the reply anyway; a body still arriving is stopped by endUnfinishedRequest. */
  refuseAndClose(status: number, code: string, message: string): void {
    this.replyError(status, code, message);
  }

  cut(failure?: CutFailure): void {
    if (failure && this.writer?.endWithFailure(failure)) return;
    this.cutHere = true;
    if (!this.stream.destroyed) this.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  }
}

/**
 * A response that ended before its request (an early answer, 413, 408 to a stalled body): node leaves the
 * stream open for a client that never sends END_STREAM, holding one of the session's concurrent streams for
 * good. RST_STREAM with NO_ERROR after the response asks the client to stop sending (RFC 9113 §8.1), as nginx does.
 */
function endUnfinishedRequest(stream: ServerHttp2Stream): void {
  if (!stream.closed && stream.state.remoteClose === 0) stream.close(constants.NGHTTP2_NO_ERROR);
}
