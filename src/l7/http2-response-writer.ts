// Writes one exchange's response head and trailers to an HTTP/2 stream of the complete front; the body goes
// through NodeBodyWriter (the stream's 'drain' follows the client's flow-control window). A chunked upstream
// response may end with trailers, so its stream waits for them; so does every gRPC response, which always
// ends with a grpc-status (Fulcrum's own when the backend gives none or fails midway). Runs on an L7 worker thread.
import type { OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { CutFailure, RespondingExchange } from './downstream.js';
import { GRPC_INTERNAL, grpcErrorFields, grpcStatusOf } from './grpc-status.js';
import { NodeBodyWriter } from './node-body-writer.js';
import { responseHeaders } from './node-response-headers.js';
import { trailerRecord } from './trailer-fields.js';
import type { ResponseHead } from './upstream/response-parser.js';

export class Http2ResponseWriter extends NodeBodyWriter {
  private readonly stream: ServerHttp2Stream;
  /** The backend's trailers, sent when node asks for them ('wantTrailers'); none is an empty trailer block. */
  private trailers: OutgoingHttpHeaders = {};
  /** The request is a gRPC call. */
  private readonly grpc: boolean;
  /** The stream was opened to wait for trailers and has not sent them yet. */
  private awaitingTrailers = false;

  constructor(stream: ServerHttp2Stream, exchange: RespondingExchange, grpc: boolean) {
    super(stream, exchange);
    this.stream = stream;
    this.grpc = grpc;
  }

  /** `close` has no HTTP/2 form: a draining worker sends GOAWAY instead. */
  writeHead(head: ResponseHead, setCookie: string | null): void {
    const { stream, exchange } = this;
    this.started = true;
    this.responseLength = head.contentLength;
    if (stream.destroyed) return;
    const headers: OutgoingHttpHeaders = responseHeaders(head, setCookie, false, true);
    headers[':status'] = head.status;
    // A gRPC head with grpc-status is a Trailers-Only answer: gRPC clients read that status only from a
    // HEADERS frame that ends the stream.
    const trailersOnly = this.grpc && headers['grpc-status'] !== undefined;
    const bodyless = exchange.method === 'HEAD' || head.status === 204 || head.status === 304 || trailersOnly;
    if (bodyless) {
      stream.respond(headers, { endStream: true });
      exchange.markFinished();
      return;
    }
    const waitForTrailers = head.chunked || this.grpc;
    stream.respond(headers, { waitForTrailers });
    if (!waitForTrailers) return;
    this.awaitingTrailers = true;
    stream.once('wantTrailers', () => {
      this.awaitingTrailers = false;
      stream.sendTrailers(this.closingTrailers());
    });
  }

  writeTrailers(trailers: string[]): void {
    this.trailers = trailerRecord(trailers);
  }

  /**
   * Ends a gRPC response Fulcrum gives up on midway (the backend failed: UNAVAILABLE; the deadline passed:
   * DEADLINE_EXCEEDED) with that status in its trailers, after the body sent so
   * far; false when the stream can no longer carry trailers (then it is to be reset). A client that is not
   * taking the response (stalled) is reset too: its trailers would wait behind the body, and no client
   * timeout watches the finished exchange, so the stream could stay open for good.
   */
  endWithFailure({ status, code, message }: CutFailure): boolean {
    const { stream } = this;
    if (!this.grpc || !this.awaitingTrailers || this.stalled || stream.destroyed || stream.writableEnded) return false;
    this.trailers = grpcErrorFields(grpcStatusOf(status, code), code, message);
    stream.end();
    return true;
  }

  /** The backend's trailers; a gRPC call whose backend sent no grpc-status at all (nor in its head) gets INTERNAL. */
  private closingTrailers(): OutgoingHttpHeaders {
    const { trailers } = this;
    if (!this.grpc || trailers['grpc-status'] !== undefined) return trailers;
    return { ...trailers, ...grpcErrorFields(GRPC_INTERNAL, 'upstream-no-grpc-status', 'The backend sent no grpc-status.') };
  }
}
