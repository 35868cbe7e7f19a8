// Writes one exchange's response head and trailers to an HTTP/2 stream of the complete front; the body goes
// through NodeBodyWriter (the stream's 'drain' follows the client's flow-control window). A chunked upstream
// response may end with trailers, so its stream waits for them. Runs on an L7 worker thread.
import type { OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { RespondingExchange } from './downstream.js';
import { NodeBodyWriter } from './node-body-writer.js';
import { responseHeaders } from './node-response-headers.js';
import { trailerRecord } from './trailer-fields.js';
import type { ResponseHead } from './upstream/response-parser.js';

export class Http2ResponseWriter extends NodeBodyWriter {
  private readonly stream: ServerHttp2Stream;
  /** The backend's trailers, sent when node asks for them ('wantTrailers'); none is an empty trailer block. */
  private trailers: OutgoingHttpHeaders = {};

  constructor(stream: ServerHttp2Stream, exchange: RespondingExchange) {
    super(stream, exchange);
    this.stream = stream;
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

  writeTrailers(trailers: string[]): void {
    this.trailers = trailerRecord(trailers);
  }
}
