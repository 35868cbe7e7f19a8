// The node:http / node:http2 front's side of an exchange: one request and response pair (HTTP/1.x from
// node:http, or an HTTP/2 stream through node:http2's compatibility API) behind the Downstream interface.
// Runs on an L7 worker thread.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Http2ServerRequest, type Http2ServerResponse, constants as http2Constants } from 'node:http2';
import type { Downstream, RespondingExchange, ResponseSink } from './downstream.js';
import { type NodeResponse, NodeResponseWriter } from './node-response-writer.js';
import type { ReplyContext } from './replies.js';
import { EXACT_DECLARED_DIGITS } from './request-framing.js';

export type NodeRequest = IncomingMessage | Http2ServerRequest;

const EMPTY = Buffer.alloc(0);

export class NodeDownstream implements Downstream {
  private readonly req: NodeRequest;
  private readonly res: NodeResponse;
  private readonly http2: boolean;
  readonly clientAddress: string;
  readonly reply: ReplyContext;
  readonly undeclaredBody: boolean;
  readonly declaredLengthDigits = EXACT_DECLARED_DIGITS;
  /** Fulcrum ended the response: a later 'close' is the connection's business, not an abort. */
  private ended = false;

  constructor(req: NodeRequest, res: NodeResponse, clientAddress: string) {
    this.req = req;
    this.res = res;
    this.http2 = 'stream' in req;
    this.clientAddress = clientAddress;
    // Node writes `Connection: close` itself when it closes after a response.
    this.reply = { method: req.method ?? 'GET', clientCloses: false };
    this.undeclaredBody = this.http2 && !(req as Http2ServerRequest).stream.endAfterHeaders && req.headers['content-length'] === undefined;
    // The stream's own 'finish': the compatibility response emits 'finish' only once the stream closed.
    if (this.http2) (req as Http2ServerRequest).stream.once('finish', () => endUnfinishedRequest(req as Http2ServerRequest));
  }

  onAborted(handler: () => void): void {
    if (this.http2) {
      // The compatibility response emits 'finish' then 'close' whenever its stream closes, a client's
      // RST_STREAM mid-response too (and node marks the destroyed stream's writable side finished): the
      // stream's reset code tells an abort from the end of a response.
      const { stream } = this.req as Http2ServerRequest;
      stream.once('close', () => {
        if (!this.ended && (stream.rstCode !== http2Constants.NGHTTP2_NO_ERROR || !stream.writableFinished)) handler();
      });
      return;
    }
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
    return new NodeResponseWriter(this.res, exchange, this.http2);
  }

  replyError(status: number, code: string, message: string): void {
    this.writeReply(status, code, message, false);
  }

  refuseAndClose(status: number, code: string, message: string): void {
    this.writeReply(status, code, message, true);
  }

  cut(): void {
    this.ended = true;
    if (this.http2) (this.req as Http2ServerRequest).stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
    else this.res.socket?.destroy();
  }

  /** `close`: over HTTP/1 the connection closes after the reply; an HTTP/2 stream ends with it anyway. */
  private writeReply(status: number, code: string, message: string, close: boolean): void {
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
    if (close && !this.http2) headers.connection = 'close';
    if (this.http2) (this.res as Http2ServerResponse).writeHead(status, headers);
    else (this.res as ServerResponse).writeHead(status, headers);
    if (this.reply.method === 'HEAD') this.res.end();
    else this.res.end(body);
  }
}

/**
 * A response that ended before its request (an early answer, 413, 408 to a stalled body): node leaves the
 * stream open for a client that never sends END_STREAM, holding one of the session's concurrent streams for
 * good. RST_STREAM with NO_ERROR after the response asks the client to stop sending (RFC 9113 §8.1), as nginx does.
 */
function endUnfinishedRequest(req: Http2ServerRequest): void {
  const { stream } = req;
  // Node closes such a stream itself only if nothing ever read its body, which Fulcrum always does.
  if (!stream.closed && stream.state.remoteClose === 0) stream.close(http2Constants.NGHTTP2_NO_ERROR);
}
