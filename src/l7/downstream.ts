// The client side of one exchange, as each front presents it: the uWS front (uws-downstream.ts) and the
// node:http / node:http2 front (http1-downstream.ts, http2-downstream.ts). The exchange core (proxy-request.ts) and the request
// handler talk only to these two interfaces. Runs on an L7 worker thread, inside that front's event loop.
import type { ReplyContext } from './replies.js';
import type { ResponseHead } from './upstream/response-parser.js';

/** What a response writer reads from, and reports to, the exchange it belongs to. */
export interface RespondingExchange {
  readonly method: string;
  /** Set once the response ended or the client left: from then on nothing may touch the client. */
  readonly finished: boolean;
  /** The upstream socket the response comes from; null once the response completed (or failed). */
  readonly upstreamSocket: { pause(): void; resume(): void } | null;
  /** The response ended: the exchange is over. */
  markFinished(): void;
  /** The response body waits on the client: the client sweep is to watch it. */
  watchClient(): void;
  /** The client took some of the response: its send timeout counts from now. */
  noteClientProgress(): void;
}

/** Writes one exchange's response to the client, pausing the upstream socket while the client lags. */
export interface ResponseSink {
  /** The head went to the client: a later failure can only cut the connection (or the HTTP/2 stream). */
  readonly started: boolean;
  /** The front holds part of the response that the client has not taken. */
  readonly stalled: boolean;
  /** The last piece of the body is still to be delivered, and its delivery ends the response. */
  readonly holdsLastPiece: boolean;
  /** Response body bytes handed to the client's connection (for the access log). */
  readonly bytesSent: number;
  /** Runs `work` (which writes head and body) so that what it writes leaves in as few sends as possible. */
  corked(work: () => void): void;
  /** `setCookie` pins the client to its backend (null: nothing to set); `close` asks the client to reconnect. */
  writeHead(head: ResponseHead, setCookie: string | null, close: boolean): void;
  /** `chunk` is only valid during the call. */
  onBody(chunk: Buffer): void;
  /** The backend's trailer fields (flat [name, value, ...]), before end(); a front that cannot send them drops them. */
  writeTrailers(trailers: string[]): void;
  /** The upstream response is complete. */
  end(): void;
  /** From the client sweep: offer the client what it has not taken yet. */
  offerStalled(): void;
}

export interface Downstream {
  /** The client's address as text (RFC 5952 for IPv6; IPv4-mapped addresses as plain IPv4). */
  readonly clientAddress: string;
  /** What of the request shapes Fulcrum's own replies. */
  readonly reply: ReplyContext;
  /**
   * A body may follow that no framing header announces (HTTP/2: the HEADERS frame did not end the stream).
   * Without a content-length it is sent upstream chunked; the request handler checks that.
   */
  readonly undeclaredBody: boolean;
  /** The longest Content-Length (in digits) the front can read; a longer one is refused (request-framing.ts). */
  readonly declaredLengthDigits: number;
  /** A gRPC call (content-type application/grpc*, over HTTP/2): Fulcrum's own errors take gRPC's form. */
  readonly grpc: boolean;
  /** `handler` runs once if the client goes away (or its stream is reset) before the response ended. */
  onAborted(handler: () => void): void;
  /**
   * Delivers the request body; the chunk is the receiver's to keep. The last call has `isLast`, and the
   * body's trailer fields (flat [name, value, ...]) when the client sent any.
   */
  onBody(handler: (chunk: Buffer, isLast: boolean, trailers?: string[]) => void): void;
  pauseBody(): void;
  resumeBody(): void;
  /** A watched exchange's periodic tick: uWS re-arms its fixed connection timer here; other fronts have none. */
  keepTimerAlive(bodyPaused: boolean): void;
  responseSink(exchange: RespondingExchange): ResponseSink;
  /** Fulcrum's own short reply, tagged with X-Fulcrum-Error. */
  /** `headers`: more fields for the reply, such as a 429's Retry-After. */
  replyError(status: number, code: string, message: string, headers?: Readonly<Record<string, string>>): void;
  /** The same, then the connection is closed: what follows the request's head cannot be trusted. */
  refuseAndClose(status: number, code: string, message: string): void;
  /**
   * Cuts the client off mid-response: the connection (HTTP/1) or the stream (HTTP/2) is reset. `failure`:
   * why Fulcrum gives up on the response (the status it would have answered, its error code and message);
   * a gRPC call then ends with the matching gRPC status in its trailers instead, where the stream can still carry them.
   */
  cut(failure?: CutFailure): void;
}

export interface CutFailure {
  /** 502: the backend failed mid-response (UNAVAILABLE); 504: the call's deadline passed (DEADLINE_EXCEEDED). */
  status: number;
  code: string;
  message: string;
}

/** The part of a Downstream that Fulcrum's own refusals need (a raw upgraded socket has only this). */
export type Replier = Pick<Downstream, 'clientAddress' | 'replyError' | 'refuseAndClose'>;
