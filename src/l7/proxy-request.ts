// Forwards one client request to a backend and streams the response back, with backpressure both ways.
// Runs on an L7 worker thread; everything here belongs to that thread's uWS loop.
import { performance } from 'node:perf_hooks';
import type { Outcome } from '../balance/index.js';
import { writeAccessRecord } from './access-log.js';
import { endBodyless } from './bodyless-end.js';
import { writeChunked } from './chunked-writer.js';
import { UWS_REARM_MS, type WatchedClient } from './client-sweep.js';
import type { ForwardPlan, WorkerTraffic } from './forward-plan.js';
import { refuseAndClose, replyError } from './replies.js';
import { mayResend } from './retry-policy.js';
import type { Exchange, UpstreamConnection } from './upstream/connection.js';
import type { AcquireWaiter } from './upstream/pool.js';
import type { ResponseHead } from './upstream/response-parser.js';
import { OUTCOME_OF, UpstreamError } from './upstream/upstream-error.js';
import type { HttpResponse } from './uws.js';
import type { WorkerPool } from './worker-pool.js';

/** Body chunks held while no upstream connection is ready, before the client is paused. */
const MAX_BUFFERED_CHUNKS = 16;

export type { ForwardPlan, WorkerTraffic } from './forward-plan.js';

export class ProxiedRequest implements Exchange, AcquireWaiter, WatchedClient {
  private readonly res: HttpResponse;
  private readonly plan: ForwardPlan;
  private readonly traffic: WorkerTraffic;
  /** The plan's pool, or its backup while the plan's pool has no backend up. */
  private pool: WorkerPool;
  private readonly startedAt = performance.now();
  /** Status sent to the client (0 until one is), and Fulcrum's own error code if it answered itself. */
  private status = 0;
  private errorCode: string | null = null;
  private serverError = false;
  /** When the whole request went to the backend (timed only while the pool counts slow responses as failures). */
  private sentAt = 0;
  private slowResponse = false;
  /** Set once res is ended or aborted: from then on nothing may touch it. */
  private finished = false;
  private backendIndex = -1;
  private connection: UpstreamConnection | null = null;
  private acquiring = false;
  private attempts = 0;
  /** Body chunks that arrived before an upstream connection was ready. */
  private bufferedBody: Buffer[] = [];
  private bodyBytes = 0;
  private bodyComplete = false;
  private bodySent = false;
  /** res.pause() was called; uWS 20.30 breaks the next keep-alive request if resume() runs without one. */
  private clientPaused = false;
  private clientAborted = false;
  /** A 'drain' listener on the upstream socket will resume the client. */
  private awaitingDrain = false;
  private responseStarted = false;
  private responseLength = -1;
  /** Part of a length-delimited body already went to uWS. */
  private bodyStarted = false;
  /** Response chunk waiting for uWS to drain (only with a known content-length). */
  private stalledChunk: Buffer | null = null;
  private stalledOffset = 0;
  /** Body of an unknown length parsed inside the read's cork, written once the cork ends (see chunked-writer). */
  private unsizedBody: Buffer[] = [];
  /** uWS holds chunked body the client has not taken: the next writable event is the client's progress. */
  private unsizedStalled = false;
  /** Response body bytes handed to uWS (for the access log); with a content-length, uWS's write offset. */
  private bytesSent = 0;
  /** In the client sweep; on the sweep's clock, when the client last made progress and uWS's timer was re-armed. */
  private watchingClient = false;
  private clientProgressAt = 0;
  private uwsRearmedAt = 0;

  constructor(res: HttpResponse, plan: ForwardPlan, traffic: WorkerTraffic) {
    this.res = res;
    this.plan = plan;
    this.traffic = traffic;
    this.pool = plan.pool;
    traffic.inFlight++;
    res.onAborted(() => this.onClientAborted());
    if (plan.hasBody) {
      res.onData((chunk, isLast) => this.onClientBody(chunk, isLast));
      this.watchClient();
    } else {
      this.bodyComplete = true;
    }
    this.connect(-1);
  }

  private connect(avoid: number): void {
    const { hashKey } = this.plan;
    // Only the first try honours the sticky cookie: a retry moves away from the backend that failed.
    let index = this.pool.pick(hashKey, avoid, this.attempts === 0 ? this.plan.pinnedIndex : -1);
    // The backup pool takes over when the pool has no backend up, or when a retry would land on the
    // very backend that just failed (it is the only one left up).
    if (this.pool.backup && this.pool === this.plan.pool && (index < 0 || (index === avoid && avoid >= 0))) {
      if (index >= 0) this.pool.release(index, 'client-aborted');
      this.pool = this.pool.backup;
      index = this.pool.pick(hashKey, -1, -1);
    }
    const pool = this.pool;
    if (index < 0) {
      this.respondError(503, 'no-backend', 'No backend is available for this request.');
      return;
    }
    this.backendIndex = index;
    this.attempts++;
    this.acquiring = true;
    pool.upstream(index).acquire(this);
  }

  onAcquired(error: UpstreamError | null, connection: UpstreamConnection | null): void {
    this.acquiring = false;
    if (this.finished) {
      // The client left while the connection was being opened: it never carried anything.
      connection?.abort();
      return;
    }
    if (error || !connection) {
      this.onUpstreamError(error ?? new UpstreamError('connect', false, 'no connection'));
      return;
    }
    this.connection = connection;
    this.sentAt = 0;
    connection.begin(this, this.plan.head, this.plan.method === 'HEAD', this.plan.hasBody);
    this.flushBody();
  }

  private onClientBody(chunk: ArrayBuffer, isLast: boolean): void {
    if (this.finished) return;
    this.clientProgressAt = this.traffic.clients.now;
    this.bodyBytes += chunk.byteLength;
    if (this.bodyBytes > this.plan.maxBody) {
      this.rejectBody();
      return;
    }
    // uWS reuses the ArrayBuffer after this call returns, so copy it (once).
    const copy = Buffer.copyBytesFrom(new Uint8Array(chunk));
    if (this.connection && this.bufferedBody.length === 0) {
      this.writeBody(copy);
    } else if (copy.length > 0) {
      this.bufferedBody.push(copy);
      if (this.bufferedBody.length > MAX_BUFFERED_CHUNKS) this.pauseClient();
    }
    if (isLast) {
      this.bodyComplete = true;
      if (this.connection && this.bufferedBody.length === 0) this.endBody();
    }
  }

  private writeBody(chunk: Buffer): void {
    const connection = this.connection as UpstreamConnection;
    if (chunk.length === 0) return;
    this.bodySent = true;
    const drained = connection.writeBody(chunk, this.plan.chunkedBody);
    if (!drained && !this.bodyComplete && !this.awaitingDrain) {
      this.awaitingDrain = true;
      this.pauseClient();
      connection.socket.once('drain', () => {
        this.awaitingDrain = false;
        this.resumeClient();
      });
    }
  }

  private flushBody(): void {
    const chunks = this.bufferedBody;
    if (chunks.length > 0) {
      this.bufferedBody = [];
      for (const chunk of chunks) this.writeBody(chunk);
      if (!this.awaitingDrain) this.resumeClient();
    }
    if (this.bodyComplete) this.endBody();
  }

  private pauseClient(): void {
    if (this.clientPaused) return;
    this.clientPaused = true;
    this.res.pause();
  }

  private resumeClient(): void {
    if (!this.clientPaused || this.finished) return;
    this.clientPaused = false;
    // The client's silence while paused was Fulcrum's doing: its body timeout starts again now.
    this.clientProgressAt = this.traffic.clients.now;
    this.res.resume();
  }

  /** The whole request went to the backend (a body too, when there is one): the wait for its answer starts. */
  private endBody(): void {
    if (!this.connection) return;
    this.connection.endRequestBody(this.plan.chunkedBody);
    if (this.pool.slowResponseMs > 0) this.sentAt = performance.now();
  }

  /** A body without a declared length grew past FULCRUM_MAX_BODY: stop forwarding it. */
  private rejectBody(): void {
    this.dropUpstream('client-aborted');
    if (this.responseStarted) {
      this.markFinished();
      this.res.close();
    } else {
      this.markFinished();
      replyError(this.res, 413, 'body-too-large', `The request body exceeds ${this.plan.maxBody} bytes.`, this.plan);
    }
  }

  corked(work: () => void): void {
    if (this.finished) {
      work();
      return;
    }
    this.res.cork(work);
    if (this.unsizedBody.length > 0) this.writeUnsizedBody();
  }

  /** Called inside corked(), like onBody: the head and a small body leave in one send. */
  onHead(head: ResponseHead): void {
    if (this.finished) return;
    this.responseStarted = true;
    this.responseLength = head.contentLength;
    this.status = head.status;
    this.serverError = head.status >= 500 && this.pool.countServerErrors;
    const { slowResponseMs } = this.pool;
    // An early answer (before the request body was all sent) is not slow.
    this.slowResponse = slowResponseMs > 0 && this.sentAt > 0 && performance.now() - this.sentAt > slowResponseMs;
    const { res } = this;
    const sticky = this.pool.sticky;
    const { endToEnd } = head;
    res.writeStatus(head.statusLine);
    for (let index = 0; index < endToEnd.length; index += 2) {
      const name = endToEnd[index] as string;
      if (!isDateHeader(name)) res.writeHeader(name, endToEnd[index + 1] as string);
    }
    if (sticky && this.backendIndex !== this.plan.pinnedIndex) res.writeHeader('set-cookie', sticky.setCookie(this.backendIndex));
    if (this.traffic.draining || this.plan.clientCloses) res.writeHeader('connection', 'close');
    const bodyless = this.plan.method === 'HEAD' || head.status === 204 || head.status === 304;
    if (bodyless) {
      endBodyless(res, head.status === 204 ? -1 : head.declaredLength);
      this.markFinished();
    }
  }

  onBody(chunk: Buffer): void {
    if (this.finished || chunk.length === 0) return;
    const { res } = this;
    if (this.responseLength >= 0) {
      if (chunk.length === this.responseLength && !this.bodyStarted) {
        // The usual small response, whole in one read: end() sends it (uWS keeps what the client cannot
        // take yet) without tryEnd's offset bookkeeping and result array.
        res.end(chunk);
        this.bytesSent = chunk.length;
        this.markFinished();
        return;
      }
      this.watchClient();
      this.bodyStarted = true;
      const offsetBefore = res.getWriteOffset();
      const [ok, done] = res.tryEnd(chunk, this.responseLength);
      this.bytesSent = offsetBefore + (ok ? chunk.length : 0);
      if (done) this.markFinished();
      else if (!ok) this.stall(chunk, offsetBefore);
    } else {
      this.watchClient();
      this.unsizedBody.push(chunk);
    }
  }

  private writeUnsizedBody(): void {
    const pieces = this.unsizedBody;
    this.unsizedBody = [];
    let drained = true;
    for (const piece of pieces) {
      if (this.finished) return;
      if (!writeChunked(this.res, piece)) drained = false;
      this.bytesSent += piece.length;
    }
    if (!drained) this.stall(null, 0);
  }

  /** uWS could not take everything: pause the upstream socket until the client drains. */
  private stall(chunk: Buffer | null, offsetBefore: number): void {
    this.connection?.socket.pause();
    // A copy: the chunk is a view of the upstream read buffer, which the next read overwrites.
    this.stalledChunk = chunk && Buffer.from(chunk);
    this.stalledOffset = offsetBefore;
    this.unsizedStalled = chunk === null;
    if (chunk) this.bytesSent = this.res.getWriteOffset();
    this.res.onWritable((offset) => this.pushStalled(offset));
  }

  /**
   * Offers the client the rest of a stalled piece, on a writable event or from the sweep (which sees a
   * slow reader's progress long before the kernel reports the socket writable). False while some is left.
   */
  private pushStalled(offset: number): boolean {
    if (this.finished) return true;
    if (this.stalledChunk) {
      const remainder = this.stalledChunk.subarray(offset - this.stalledOffset);
      const [ok, done] = this.res.tryEnd(remainder, this.responseLength);
      this.bytesSent = ok ? offset + remainder.length : this.res.getWriteOffset();
      if (this.bytesSent > offset) this.clientProgressAt = this.traffic.clients.now;
      if (done) this.markFinished();
      else if (!ok) return false;
      this.stalledChunk = null;
    } else {
      // A writable event: the client took part of what uWS holds for it.
      this.clientProgressAt = this.traffic.clients.now;
      this.unsizedStalled = false;
    }
    // Null once the upstream response is complete: its socket went back to the pool, flowing.
    this.connection?.socket.resume();
    return true;
  }

  private watchClient(): void {
    if (this.watchingClient) return;
    this.watchingClient = true;
    const { clients } = this.traffic;
    clients.watch(this);
    this.clientProgressAt = clients.now;
    this.uwsRearmedAt = clients.now;
  }

  /** The sweep's tick: a stalled client is offered its bytes again; one without progress for too long is cut. */
  onClientTick(now: number): void {
    if (this.finished) return;
    const { timeouts, tickMs } = this.traffic.clients;
    const stalled = this.stalledChunk !== null || this.unsizedStalled;
    if (this.stalledChunk) this.res.cork(() => this.pushStalled(this.res.getWriteOffset()));
    if (this.finished) return;
    // The progress stamp is on the sweep's clock, up to a tick behind: one tick is added before calling it late.
    const quietMs = now - this.clientProgressAt - tickMs;
    if (stalled && quietMs >= timeouts.sendMs) {
      this.cutClient('client-send-timeout', `the client took none of the response for ${timeouts.sendMs} ms`);
    } else if (this.receivingBody() && quietMs >= timeouts.bodyMs) {
      this.cutClient('client-body-timeout', `The request body stopped arriving for ${timeouts.bodyMs} ms.`);
    } else if (now - this.uwsRearmedAt >= UWS_REARM_MS) {
      this.uwsRearmedAt = now;
      // resume() arms uWS's timer afresh (10 s); a client paused for backpressure stays paused, which disarms it.
      this.res.pause();
      if (!this.clientPaused) this.res.resume();
    }
  }

  /** Still reading the request body, and not paused by Fulcrum (a paused client's silence is not its own). */
  private receivingBody(): boolean {
    return this.plan.hasBody && !this.bodyComplete && !this.clientPaused && !this.responseStarted;
  }

  /** A client too slow for FULCRUM_CLIENT_BODY_TIMEOUT or FULCRUM_CLIENT_SEND_TIMEOUT: 408 if nothing was answered yet, else cut. */
  private cutClient(code: 'client-body-timeout' | 'client-send-timeout', message: string): void {
    this.errorCode = code;
    this.dropUpstream('client-aborted');
    if (this.responseStarted) {
      this.markFinished();
      this.res.close();
    } else {
      this.status = 408;
      this.markFinished();
      // The client is mid-body: what it still sends cannot be read as a next request.
      refuseAndClose(this.res, 408, code, message, this.plan);
    }
  }

  onComplete(): void {
    this.connection = null;
    this.pool.release(this.backendIndex, this.serverError ? 'server-error' : this.slowResponse ? 'timeout' : 'success');
    this.traffic.latency.record(this.pool.name, this.backendIndex, performance.now() - this.startedAt);
    // A stalled last piece of a length-delimited body is still ours to deliver: onWritable ends the response.
    if (this.finished || this.stalledChunk) return;
    this.markFinished();
    if (this.responseLength < 0) this.res.cork(() => this.res.end());
  }

  onError(error: UpstreamError): void {
    this.onUpstreamError(error);
  }

  private onUpstreamError(error: UpstreamError): void {
    this.connection = null;
    this.pool.release(this.backendIndex, OUTCOME_OF[error.failure]);
    if (this.finished) return;
    if (this.responseStarted) {
      // Headers already went out: the only honest signal left is to cut the client connection.
      this.errorCode = `upstream-${error.failure}`;
      this.markFinished();
      this.res.close();
      return;
    }
    if (this.attempts < this.pool.maxAttempts && mayResend(error, this.plan.method, this.bodySent)) {
      this.traffic.retries.count(this.pool.name, this.backendIndex);
      this.connect(this.backendIndex);
      return;
    }
    const timedOut = error.failure === 'connect-timeout' || error.failure === 'response-timeout';
    this.respondError(
      timedOut ? 504 : 502,
      `upstream-${error.failure}`,
      timedOut ? 'The backend did not answer in time.' : 'The backend failed to answer.',
    );
  }

  private respondError(status: 502 | 503 | 504, code: string, message: string): void {
    if (this.finished) return;
    this.status = status;
    this.errorCode = code;
    this.markFinished();
    replyError(this.res, status, code, message, this.plan);
  }

  private markFinished(): void {
    if (this.finished) return;
    this.finished = true;
    this.traffic.inFlight--;
    if (this.watchingClient) this.traffic.clients.unwatch(this);
    // The response may end while the client is paused mid-body (the backend answered early): uWS must read
    // and drop the rest of that body, or the client's next request on this connection would never be read.
    if (this.clientPaused && !this.clientAborted) {
      this.clientPaused = false;
      this.res.resume();
    }
    if (!this.traffic.accessLog) return;
    const { plan } = this;
    writeAccessRecord({
      client: plan.client,
      method: plan.method,
      host: plan.host,
      path: plan.path,
      status: this.status,
      backend: this.backendIndex >= 0 ? this.pool.address(this.backendIndex) : null,
      pool: this.pool.name,
      attempts: this.attempts,
      durationMs: Math.round((performance.now() - this.startedAt) * 100) / 100,
      bytesSent: this.bytesSent,
      error: this.errorCode,
    });
  }

  /** Ends the upstream side early: the socket is destroyed, never pooled, and the pick released once. */
  private dropUpstream(outcome: Outcome): void {
    if (this.acquiring) {
      this.pool.upstream(this.backendIndex).cancel(this);
      this.acquiring = false;
      this.pool.release(this.backendIndex, outcome);
    }
    const connection = this.connection;
    this.connection = null;
    if (connection) {
      connection.abort();
      this.pool.release(this.backendIndex, outcome);
    }
  }

  private onClientAborted(): void {
    this.clientAborted = true;
    // The client went away (or uWS closed it) before the exchange ended: a cut transfer, not a success.
    if (!this.finished) this.errorCode = 'client-aborted';
    this.markFinished();
    this.dropUpstream('client-aborted');
  }
}

/** uWS writes its own Date on every response: the backend's would be a second one. */
function isDateHeader(name: string): boolean {
  return name.length === 4 && name.toLowerCase() === 'date';
}
