// One keep-alive connection to a backend, owned by one worker thread; carries one exchange at a time.
import type { Socket } from 'node:net';
import { mayTrail } from '../trailer-fields.js';
import type { UpstreamHead, UpstreamLink } from './link.js';
import { ParseError, type ResponseHandlers, ResponseParser } from './response-parser.js';
import type { SweptConnection, TimeoutSweep } from './timeout-sweep.js';
import { type ExchangeTimeouts, UpstreamError } from './upstream-error.js';

const CHUNK_END = Buffer.from('\r\n');
const LAST_CHUNK = '0\r\n\r\n';

/** The last chunk with trailer fields; a field with a line break in it (not legal in HTTP/1.1) is left out. */
function lastChunkWith(trailers: string[]): string {
  let text = '0\r\n';
  for (let index = 0; index < trailers.length; index += 2) {
    const name = trailers[index] as string;
    const value = trailers[index + 1] as string;
    if (!mayTrail(name.toLowerCase()) || /[\r\n]/.test(name + value)) continue;
    text += `${name}: ${value}\r\n`;
  }
  return `${text}\r\n`;
}

export interface Exchange extends ResponseHandlers {
  onError(error: UpstreamError): void;
  /** Runs `work` (parsing one read) with the client's writes corked, so a small response leaves in one send. */
  corked(work: () => void): void;
}

export interface ConnectionOwner {
  /** Called when the connection finished a response and may carry another request, or died. */
  connectionFinished(connection: UpstreamConnection, reusable: boolean): void;
}

export class UpstreamConnection implements SweptConnection, UpstreamLink {
  readonly socket: Socket;
  private readonly parser = new ResponseParser();
  private readonly owner: ConnectionOwner;
  private exchange: Exchange | null = null;
  private completion: boolean | null = null;
  private readonly timeouts: ExchangeTimeouts;
  private readonly sweep: TimeoutSweep;
  quietSince = 0;
  limitMs = 0;
  /** Set by the pool while the connection waits in its idle list. */
  idle = false;
  private headReceived = false;
  /**
   * The request is fully written and its response head has not arrived: the response timeout is then a
   * deadline, so reads (a backend trickling its head a byte at a time) do not push it back.
   */
  private awaitingHead = false;
  /** A byte of the current exchange's response arrived (decides whether a failure may be retried). */
  private responseBegun = false;
  /** The exchange's request body is not all written yet: a response that completes first leaves the socket unusable. */
  private requestBodyPending = false;
  private pendingChunk: Buffer | null = null;
  private parseFailure: unknown = null;
  /** Made once per connection: the per-read work handed to Exchange.corked without a new closure. */
  private readonly executePending = (): void => {
    try {
      this.parser.execute(this.pendingChunk as Buffer);
    } catch (error) {
      // Not thrown through uWS's cork: it is handled once the client's writes are uncorked.
      this.parseFailure = error;
    }
  };

  /**
   * The socket may still be connecting: the pool hands the connection out only once it is connected. It
   * was opened with an onread buffer, so its bytes arrive through onRead, not 'data' events.
   */
  constructor(socket: Socket, owner: ConnectionOwner, timeouts: ExchangeTimeouts, sweep: TimeoutSweep) {
    this.socket = socket;
    this.owner = owner;
    this.timeouts = timeouts;
    this.sweep = sweep;
    socket.on('end', () => this.onEnd());
    socket.on('error', (error: NodeJS.ErrnoException) => this.fail('reset', `upstream connection failed: ${error.code ?? error.message}`));
    socket.on('close', () => {
      this.sweep.unwatch(this);
      this.fail('reset', 'upstream closed the connection');
    });
  }

  /** Called by the pool once connected: the socket's own (connect) timeout ends and the sweep takes over. */
  connected(): void {
    this.socket.setTimeout(0);
    this.quietSince = this.sweep.now;
    this.limitMs = this.timeouts.idleMs;
    this.sweep.watch(this);
  }

  /** Starts an exchange by writing the request head (HTTP/1.1 text); a body, when `hasBody`, follows through writeBody and endRequestBody. */
  begin(exchange: Exchange, head: UpstreamHead, isHeadRequest: boolean, hasBody: boolean): void {
    this.exchange = exchange;
    this.headReceived = false;
    this.requestBodyPending = hasBody;
    this.awaitingHead = !hasBody;
    this.responseBegun = false;
    this.parser.expect(this, isHeadRequest);
    // While a body is still being written, each write restarts the wait; the deadline starts once it is all sent.
    this.quietSince = this.sweep.now;
    this.limitMs = this.timeouts.responseMs;
    this.socket.write(head as string, 'latin1');
  }

  /** Writes request body bytes, re-chunked when `chunked`; false when the socket wants a 'drain' first. */
  writeBody(chunk: Buffer, chunked: boolean): boolean {
    this.quietSince = this.sweep.now;
    if (!chunked) return this.socket.write(chunk);
    const { socket } = this;
    socket.cork();
    socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    socket.write(chunk);
    const drained = socket.write(CHUNK_END);
    socket.uncork();
    return drained;
  }

  /** The whole request body was handed to writeBody; a re-chunked one gets its last chunk, and the client's trailers. */
  endRequestBody(chunked: boolean, trailers: string[] | null): void {
    this.requestBodyPending = false;
    if (chunked) this.socket.write(trailers === null ? LAST_CHUNK : lastChunkWith(trailers), 'latin1');
    if (this.headReceived) return;
    this.awaitingHead = true;
    this.quietSince = this.sweep.now;
  }

  /** The client went away: the response can no longer be delivered, so the socket cannot be reused. */
  abort(): void {
    this.exchange = null;
    this.socket.destroy();
  }

  onHead: ResponseHandlers['onHead'] = (head) => {
    this.headReceived = true;
    this.awaitingHead = false;
    this.quietSince = this.sweep.now;
    this.limitMs = this.timeouts.idleMs;
    this.exchange?.onHead(head);
  };
  onBody: ResponseHandlers['onBody'] = (chunk) => this.exchange?.onBody(chunk);
  onTrailers: NonNullable<ResponseHandlers['onTrailers']> = (trailers) => this.exchange?.onTrailers?.(trailers);
  onComplete: ResponseHandlers['onComplete'] = (reusable) => {
    // Deferred until execute() returns, so trailing garbage in the same read still poisons the socket.
    this.completion = reusable;
  };

  /** Called by the socket's onread callback with a view of the pool's read buffer, valid until it returns. */
  onRead(chunk: Buffer): void {
    if (!this.awaitingHead) this.quietSince = this.sweep.now;
    if (this.exchange) this.responseBegun = true;
    this.pendingChunk = chunk;
    if (this.exchange) this.exchange.corked(this.executePending);
    else this.executePending();
    this.pendingChunk = null;
    const failure = this.parseFailure;
    if (failure !== null) {
      this.parseFailure = null;
      if (!(failure instanceof ParseError)) throw failure;
      this.fail('malformed', `malformed upstream response: ${failure.message}`);
      return;
    }
    if (this.completion !== null) this.finish(this.completion);
  }

  onTimeout(): void {
    if (!this.exchange) {
      // A pooled keep-alive connection idle past its timeout; 'close' tells the pool.
      this.socket.destroy();
    } else if (this.headReceived) {
      this.fail('idle-timeout', `upstream sent nothing for ${this.timeouts.idleMs} ms mid-response`);
    } else {
      this.fail('response-timeout', `upstream sent no response head within ${this.limitMs} ms`);
    }
  }

  private onEnd(): void {
    if (this.parser.closeDelimited) {
      this.parser.finishAtEof();
      this.finish(false);
    } else {
      this.fail('reset', 'upstream closed the connection mid-response');
    }
  }

  private finish(reusable: boolean): void {
    const exchange = this.exchange;
    this.completion = null;
    this.exchange = null;
    // A backend may answer before it read the whole request body (an early 200, 413 or 401). The rest of the
    // body is no longer forwarded, so the backend would read the next request's head as body bytes: close.
    const keep = reusable && !this.socket.destroyed && !this.requestBodyPending;
    if (keep) {
      this.limitMs = this.timeouts.idleMs;
      // The exchange may have paused the socket for a slow client as its last read arrived: a pooled socket
      // must flow, or the next response (and a close by the backend) would never be read.
      this.socket.resume();
    } else {
      this.socket.destroy();
    }
    this.owner.connectionFinished(this, keep);
    exchange?.onComplete(keep);
  }

  private fail(failure: 'reset' | 'malformed' | 'response-timeout' | 'idle-timeout', message: string): void {
    const exchange = this.exchange;
    this.exchange = null;
    this.awaitingHead = false;
    this.completion = null;
    if (!this.socket.destroyed) this.socket.destroy();
    // Also reached for an idle pooled socket that dies: its pool drops it.
    this.owner.connectionFinished(this, false);
    exchange?.onError(new UpstreamError(failure, true, message, this.responseBegun));
  }
}
