// Forwards one client request to a backend and streams the response back: picks the backend, retries,
// answers errors, watches the client's progress and writes the access record. The request body's upload
// is in request-body-upload.ts, the response's writing in response-writer.ts.
// The client is reached only through a Downstream (downstream.ts), so every front shares this core.
// Runs on an L7 worker thread.
import { performance } from 'node:perf_hooks';
import type { Outcome } from '../balance/index.js';
import { writeAccessRecord } from './access-log.js';
import { UWS_REARM_MS, type WatchedClient } from './client-sweep.js';
import type { Downstream, RespondingExchange, ResponseSink } from './downstream.js';
import type { ForwardPlan, WorkerTraffic } from './forward-plan.js';
import { RequestBodyUpload, type UploadingExchange } from './request-body-upload.js';
import { mayResend } from './retry-policy.js';
import type { Exchange } from './upstream/connection.js';
import type { AcquireWaiter, UpstreamLink } from './upstream/link.js';
import type { ResponseHead } from './upstream/response-parser.js';
import { OUTCOME_OF, UpstreamError } from './upstream/upstream-error.js';
import type { WorkerPool } from './worker-pool.js';

export type { ForwardPlan, WorkerTraffic } from './forward-plan.js';

export class ProxiedRequest implements Exchange, AcquireWaiter, WatchedClient, UploadingExchange, RespondingExchange {
  readonly downstream: Downstream;
  readonly plan: ForwardPlan;
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
  /** Set once the response ended or the client left: from then on nothing may touch the client (written here only). */
  finished = false;
  private backendIndex = -1;
  /** When the current backend was picked, and how long its response head took (-1 until it came): least-latency's sample. */
  private pickedAt = 0;
  private headLatencyMs = -1;
  /** The upstream link (an HTTP/1.1 connection or an HTTP/2 stream) carrying this exchange (written here only). */
  connection: UpstreamLink | null = null;
  private acquiring = false;
  private attempts = 0;
  private readonly upload: RequestBodyUpload;
  private readonly response: ResponseSink;
  private clientAborted = false;
  /** In the client sweep; on the sweep's clock, when the client last made progress and the front's timer was re-armed. */
  private watchingClient = false;
  private clientProgressAt = 0;
  private timerRearmedAt = 0;
  /** Ends a gRPC call at its grpc-timeout; null when it has none (or it fired). */
  private deadline: NodeJS.Timeout | null = null;
  /** Holds the request until its rate-limit token is due (`action: delay`); null when it is not waiting. */
  private tokenWait: NodeJS.Timeout | null = null;

  constructor(downstream: Downstream, plan: ForwardPlan, traffic: WorkerTraffic) {
    this.downstream = downstream;
    this.plan = plan;
    this.traffic = traffic;
    this.pool = plan.pool;
    this.upload = new RequestBodyUpload(this, plan.hasBody);
    this.response = downstream.responseSink(this);
    traffic.inFlight++;
    downstream.onAborted(() => this.onClientAborted());
    if (plan.hasBody) {
      downstream.onBody((chunk, isLast, trailers) => this.upload.onClientBody(chunk, isLast, trailers));
      this.watchClient();
    }
    if (plan.deadlineMs > 0) this.deadline = setTimeout(() => this.onDeadline(), plan.deadlineMs);
    if (plan.delayMs > 0) {
      // The body, if any, is held meanwhile as while connecting (the client paused past a few chunks).
      this.tokenWait = setTimeout(() => {
        this.tokenWait = null;
        this.connect(-1);
      }, plan.delayMs);
    } else {
      this.connect(-1);
    }
  }

  get method(): string {
    return this.plan.method;
  }

  get upstreamSocket(): RespondingExchange['upstreamSocket'] {
    return this.connection?.socket ?? null;
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
    this.pickedAt = this.attempts === 0 ? this.startedAt : performance.now();
    this.headLatencyMs = -1;
    this.attempts++;
    this.acquiring = true;
    pool.upstream(index).acquire(this);
  }

  onAcquired(error: UpstreamError | null, connection: UpstreamLink | null): void {
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
    this.upload.flushBody();
  }

  onRequestSent(): void {
    if (this.pool.slowResponseMs > 0) this.sentAt = performance.now();
  }

  noteClientProgress(): void {
    this.clientProgressAt = this.traffic.clients.now;
  }

  rejectBody(): void {
    this.dropUpstream('client-aborted');
    if (this.response.started) {
      this.markFinished();
      this.downstream.cut();
    } else {
      this.markFinished();
      this.downstream.replyError(413, 'body-too-large', `The request body exceeds ${this.plan.maxBody} bytes.`);
    }
  }

  corked(work: () => void): void {
    this.response.corked(work);
  }

  /** Called inside corked(), like onBody: the head and a small body leave in one send. */
  onHead(head: ResponseHead): void {
    this.headLatencyMs = performance.now() - this.pickedAt;
    if (this.finished) return;
    this.status = head.status;
    this.serverError = head.status >= 500 && this.pool.countServerErrors;
    const { slowResponseMs, sticky } = this.pool;
    // An early answer (before the request body was all sent) is not slow.
    this.slowResponse = slowResponseMs > 0 && this.sentAt > 0 && performance.now() - this.sentAt > slowResponseMs;
    const setCookie = sticky && this.backendIndex !== this.plan.pinnedIndex ? sticky.setCookie(this.backendIndex) : null;
    this.response.writeHead(head, setCookie, this.traffic.draining || this.downstream.reply.clientCloses);
  }

  onBody(chunk: Buffer): void {
    this.response.onBody(chunk);
  }

  onTrailers(trailers: string[]): void {
    if (!this.finished) this.response.writeTrailers(trailers);
  }

  watchClient(): void {
    if (this.watchingClient) return;
    this.watchingClient = true;
    const { clients } = this.traffic;
    clients.watch(this);
    this.clientProgressAt = clients.now;
    this.timerRearmedAt = clients.now;
  }

  /** The sweep's tick: a stalled client is offered its bytes again; one without progress for too long is cut. */
  onClientTick(now: number): void {
    if (this.finished) return;
    const { timeouts, tickMs } = this.traffic.clients;
    const { stalled } = this.response;
    this.response.offerStalled();
    if (this.finished) return;
    // The progress stamp is on the sweep's clock, up to a tick behind: one tick is added before calling it late.
    const quietMs = now - this.clientProgressAt - tickMs;
    if (stalled && quietMs >= timeouts.sendMs) {
      this.cutClient('client-send-timeout', `the client took none of the response for ${timeouts.sendMs} ms`);
    } else if (this.receivingBody() && quietMs >= timeouts.bodyMs) {
      this.cutClient('client-body-timeout', `The request body stopped arriving for ${timeouts.bodyMs} ms.`);
    } else if (now - this.timerRearmedAt >= UWS_REARM_MS) {
      this.timerRearmedAt = now;
      this.downstream.keepTimerAlive(this.upload.clientPaused);
    }
  }

  /** Still reading the request body, and not paused by Fulcrum (a paused client's silence is not its own). */
  private receivingBody(): boolean {
    return this.plan.hasBody && !this.upload.complete && !this.upload.clientPaused && !this.response.started;
  }

  /** A client too slow for FULCRUM_CLIENT_BODY_TIMEOUT or FULCRUM_CLIENT_SEND_TIMEOUT: 408 if nothing was answered yet, else cut. */
  private cutClient(code: 'client-body-timeout' | 'client-send-timeout', message: string): void {
    this.errorCode = code;
    this.dropUpstream('client-aborted');
    if (this.response.started) {
      this.markFinished();
      this.downstream.cut();
    } else {
      this.status = 408;
      this.markFinished();
      // The client is mid-body: what it still sends cannot be read as a next request.
      this.downstream.refuseAndClose(408, code, message);
    }
  }

  onComplete(): void {
    this.connection = null;
    const outcome = this.serverError ? 'server-error' : this.slowResponse ? 'timeout' : 'success';
    this.pool.release(this.backendIndex, outcome, this.latencySample(outcome));
    this.traffic.latency.record(this.pool.name, this.backendIndex, performance.now() - this.startedAt);
    // A stalled last piece of a length-delimited body is still ours to deliver: onWritable ends the response.
    if (this.finished || this.response.holdsLastPiece) return;
    this.markFinished();
    this.response.end();
  }

  onError(error: UpstreamError): void {
    this.onUpstreamError(error);
  }

  private onUpstreamError(error: UpstreamError): void {
    this.connection = null;
    const outcome = OUTCOME_OF[error.failure];
    this.pool.release(this.backendIndex, outcome, this.latencySample(outcome));
    if (this.finished) return;
    if (this.response.started) {
      // Headers already went out: the only honest signal left is to cut the client connection (a gRPC call's
      // stream ends with an error status instead, where it still can).
      this.errorCode = `upstream-${error.failure}`;
      this.markFinished();
      this.downstream.cut({ status: 502, code: this.errorCode, message: 'The backend failed mid-response.' });
      return;
    }
    if (this.attempts < this.pool.maxAttempts && mayResend(error, this.plan.method, this.upload.sent)) {
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

  /**
   * A gRPC call's grpc-timeout passed (Envoy's behaviour): the backend's stream is cancelled, and the client
   * told DEADLINE_EXCEEDED, in a trailers-only reply or in the trailers of a response already under way.
   * Not the backend's failure: the client chose the deadline, so passive health hears nothing.
   */
  private onDeadline(): void {
    this.deadline = null;
    if (this.finished) return;
    const message = `The call's grpc-timeout (${this.plan.deadlineMs} ms) passed.`;
    this.dropUpstream('client-aborted');
    if (this.response.started) {
      this.errorCode = 'deadline-exceeded';
      this.markFinished();
      this.downstream.cut({ status: 504, code: 'deadline-exceeded', message });
    } else {
      this.respondError(504, 'deadline-exceeded', message);
    }
  }

  private respondError(status: 502 | 503 | 504, code: string, message: string): void {
    if (this.finished) return;
    this.status = status;
    this.errorCode = code;
    this.markFinished();
    this.downstream.replyError(status, code, message);
  }

  markFinished(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.deadline !== null) clearTimeout(this.deadline);
    if (this.tokenWait !== null) clearTimeout(this.tokenWait);
    this.plan.caps?.release();
    this.traffic.inFlight--;
    if (this.watchingClient) this.traffic.clients.unwatch(this);
    this.upload.releaseClient(this.clientAborted);
    if (!this.traffic.accessLog) return;
    const { plan } = this;
    writeAccessRecord({
      client: this.downstream.clientAddress,
      method: plan.method,
      host: plan.host,
      path: plan.path,
      status: this.status,
      backend: this.backendIndex >= 0 ? this.pool.address(this.backendIndex) : null,
      pool: this.pool.name,
      attempts: this.attempts,
      durationMs: Math.round((performance.now() - this.startedAt) * 100) / 100,
      bytesSent: this.response.bytesSent,
      error: this.errorCode,
      ...(plan.waf ? { waf: plan.waf } : {}),
    });
  }

  /** Ends the upstream side early: the socket is destroyed, never pooled, and the pick released once. */
  private dropUpstream(outcome: Outcome): void {
    if (this.acquiring) {
      this.pool.upstream(this.backendIndex).cancel(this);
      this.acquiring = false;
      this.pool.release(this.backendIndex, outcome, this.latencySample(outcome));
    }
    const connection = this.connection;
    this.connection = null;
    if (connection) {
      connection.abort();
      this.pool.release(this.backendIndex, outcome, this.latencySample(outcome));
    }
  }

  /**
   * What the exchange tells least-latency about its backend: the time from the pick to the response head.
   * A failure counts as slow, at least the connect timeout, so a backend that fails fast is not taken for
   * a fast one; a client that left before the head says nothing about the backend.
   */
  private latencySample(outcome: Outcome): number | undefined {
    const headMs = this.headLatencyMs;
    if (outcome === 'success' || outcome === 'client-aborted') return headMs >= 0 ? headMs : undefined;
    return Math.max(headMs >= 0 ? headMs : performance.now() - this.pickedAt, this.pool.connectTimeoutMs);
  }

  private onClientAborted(): void {
    this.clientAborted = true;
    // The client went away (or uWS closed it) before the exchange ended: a cut transfer, not a success.
    if (!this.finished) this.errorCode = 'client-aborted';
    this.markFinished();
    this.dropUpstream('client-aborted');
  }
}
