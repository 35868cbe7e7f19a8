// Forwards one client request to a backend and streams the response back, with backpressure both ways.
// Runs on an L7 worker thread; everything here belongs to that thread's uWS loop.
import type { HttpResponse } from './uws.js';
import { isResponseHeaderDropped } from './request-head.js';
import type { UpstreamConnection, Exchange } from './upstream/connection.js';
import type { ResponseHead } from './upstream/response-parser.js';
import type { AcquireCallback } from './upstream/pool.js';
import { UpstreamError } from './upstream/upstream-error.js';
import type { WorkerPool } from './worker-pool.js';
import { replyError } from './replies.js';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

export interface ForwardPlan {
  pool: WorkerPool;
  hashKey: string | undefined;
  head: string;
  method: string;
  /** The request carries a body that arrives through res.onData. */
  hasBody: boolean;
  /** The body is re-chunked upstream (the client sent no content-length). */
  chunkedBody: boolean;
}

export class ProxiedRequest implements Exchange {
  private readonly res: HttpResponse;
  private readonly plan: ForwardPlan;
  /** Set once res is ended or aborted: from then on nothing may touch it. */
  private aborted = false;
  private readonly onFinished: () => void;
  private backendIndex = -1;
  private connection: UpstreamConnection | null = null;
  private pendingAcquire: AcquireCallback | null = null;
  private attempts = 0;
  /** Body chunks that arrived before an upstream connection was ready. */
  private bufferedBody: Buffer[] = [];
  private bodyComplete = false;
  private bodySent = false;
  private responseStarted = false;
  private responseLength = -1;
  /** Response chunk waiting for uWS to drain (only with a known content-length). */
  private stalledChunk: Buffer | null = null;
  private stalledOffset = 0;

  /** `onFinished` runs once, when the client's response is complete or the client is gone. */
  constructor(res: HttpResponse, plan: ForwardPlan, onFinished: () => void) {
    this.res = res;
    this.plan = plan;
    this.onFinished = onFinished;
    res.onAborted(() => this.onClientAborted());
    if (plan.hasBody) {
      res.onData((chunk, isLast) => this.onClientBody(chunk, isLast));
    } else {
      this.bodyComplete = true;
    }
    this.connect(-1);
  }

  private connect(avoid: number): void {
    const { pool, hashKey } = this.plan;
    const index = pool.pick(hashKey, avoid);
    if (index < 0) {
      this.respondError(503, 'no-backend', 'No backend is available for this request.');
      return;
    }
    this.backendIndex = index;
    this.attempts++;
    const acquire: AcquireCallback = (error, connection) => {
      this.pendingAcquire = null;
      if (this.aborted) {
        if (connection) connection.abort();
        return;
      }
      if (error || !connection) {
        this.onUpstreamError(error ?? new UpstreamError('connect', false, 'no connection'));
        return;
      }
      this.connection = connection;
      connection.begin(this, this.plan.head, this.plan.method === 'HEAD');
      this.flushBody();
    };
    this.pendingAcquire = acquire;
    pool.upstream(index).acquire(acquire);
  }

  private onClientBody(chunk: ArrayBuffer, isLast: boolean): void {
    // uWS reuses the ArrayBuffer after this call returns, so copy it.
    const copy = Buffer.from(new Uint8Array(chunk).slice());
    if (this.connection && !this.stalledBody()) {
      this.writeBody(copy);
    } else if (copy.length > 0) {
      this.bufferedBody.push(copy);
      if (this.bufferedBody.length > 16) this.res.pause();
    }
    if (isLast) {
      this.bodyComplete = true;
      if (this.connection && this.bufferedBody.length === 0) this.endBody();
    }
  }

  private stalledBody(): boolean {
    return this.bufferedBody.length > 0;
  }

  private writeBody(chunk: Buffer): void {
    const connection = this.connection as UpstreamConnection;
    if (chunk.length === 0) return;
    this.bodySent = true;
    const drained = this.plan.chunkedBody
      ? connection.writeBody(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]))
      : connection.writeBody(chunk);
    if (!drained && !this.bodyComplete) {
      this.res.pause();
      connection.socket.once('drain', () => {
        if (!this.aborted) this.res.resume();
      });
    }
  }

  private flushBody(): void {
    const chunks = this.bufferedBody;
    this.bufferedBody = [];
    for (const chunk of chunks) this.writeBody(chunk);
    if (this.plan.hasBody && !this.aborted) this.res.resume();
    if (this.bodyComplete) this.endBody();
  }

  private endBody(): void {
    if (this.plan.chunkedBody) this.connection?.writeBody('0\r\n\r\n');
  }

  onHead(head: ResponseHead): void {
    if (this.aborted) return;
    this.responseStarted = true;
    this.responseLength = head.contentLength;
    const { res } = this;
    res.cork(() => {
      res.writeStatus(head.statusText ? `${head.status} ${head.statusText}` : String(head.status));
      const { headers } = head;
      for (let index = 0; index < headers.length; index += 2) {
        const name = headers[index] as string;
        if (!isResponseHeaderDropped(name)) res.writeHeader(name, headers[index + 1] as string);
      }
    });
    const bodyless = this.plan.method === 'HEAD' || head.status === 204 || head.status === 304;
    if (bodyless) {
      const reported = Number(headerValue(head, 'content-length'));
      res.cork(() => res.endWithoutBody(head.status === 204 || Number.isNaN(reported) ? undefined : reported));
      this.markFinished();
    }
  }

  onBody(chunk: Buffer): void {
    if (this.aborted || chunk.length === 0) return;
    const { res } = this;
    if (this.responseLength >= 0) {
      let ok = false;
      let done = false;
      const offsetBefore = res.getWriteOffset();
      res.cork(() => ([ok, done] = res.tryEnd(chunk, this.responseLength)));
      if (done) this.markFinished();
      if (!ok && !done) this.stall(chunk, offsetBefore);
    } else {
      let ok = true;
      res.cork(() => (ok = res.write(chunk)));
      if (!ok) this.stall(null, 0);
    }
  }

  /** uWS could not take everything: pause the upstream socket until the client drains. */
  private stall(chunk: Buffer | null, offsetBefore: number): void {
    const socket = this.connection?.socket;
    socket?.pause();
    this.stalledChunk = chunk;
    this.stalledOffset = offsetBefore;
    this.res.onWritable((offset) => {
      if (this.aborted) return true;
      if (this.stalledChunk) {
        const remainder = this.stalledChunk.subarray(offset - this.stalledOffset);
        const [ok, done] = this.res.tryEnd(remainder, this.responseLength);
        if (done) this.markFinished();
        if (!ok && !done) return false;
        this.stalledChunk = null;
      }
      socket?.resume();
      return true;
    });
  }

  onComplete(): void {
    this.connection = null;
    this.plan.pool.release(this.backendIndex, 'success');
    if (this.aborted) return;
    this.markFinished();
    if (this.responseLength < 0) this.res.cork(() => this.res.end());
  }

  onError(error: UpstreamError): void {
    this.onUpstreamError(error);
  }

  private onUpstreamError(error: UpstreamError): void {
    const staleKeepAlive = error.failure === 'reset' && this.connection?.reused === true && !this.responseStarted;
    this.connection = null;
    this.plan.pool.release(this.backendIndex, error.failure === 'malformed' ? 'server-error' : error.failure.startsWith('connect') ? 'connect-failure' : 'reset');
    if (this.aborted) return;
    if (this.responseStarted) {
      // Headers already went out: the only honest signal left is to cut the client connection.
      this.markFinished();
      this.res.close();
      return;
    }
    const retryable =
      !this.bodySent &&
      (!error.requestSent || (staleKeepAlive && IDEMPOTENT.has(this.plan.method))) &&
      this.attempts < this.plan.pool.maxAttempts;
    if (retryable) {
      this.connect(this.backendIndex);
      return;
    }
    if (error.failure === 'connect-timeout' || error.failure === 'response-timeout') {
      this.respondError(504, error.failure, 'The backend did not answer in time.');
    } else {
      this.respondError(502, `upstream-${error.failure}`, 'The backend failed to answer.');
    }
  }

  private respondError(status: 502 | 503 | 504, code: string, message: string): void {
    if (this.aborted) return;
    this.markFinished();
    replyError(this.res, status, code, message);
  }

  private markFinished(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.onFinished();
  }

  private onClientAborted(): void {
    this.markFinished();
    if (this.pendingAcquire) {
      this.plan.pool.upstream(this.backendIndex).cancel(this.pendingAcquire);
      this.plan.pool.release(this.backendIndex, 'client-aborted');
      this.pendingAcquire = null;
    }
    const connection = this.connection;
    this.connection = null;
    if (connection) {
      connection.abort();
      this.plan.pool.release(this.backendIndex, 'client-aborted');
    }
  }
}

function headerValue(head: ResponseHead, name: string): string {
  const index = head.headers.indexOf(name);
  return index % 2 === 0 ? (head.headers[index + 1] as string) : '';
}
