// What a worker hands each proxied request: what the request handler decided for it (its forwarding
// plan) and the worker's shared request accounting. Runs on an L7 worker thread.
import type { AccessCounter } from './access-counts.js';
import type { ClientSweep } from './client-sweep.js';
import type { HeldCaps } from './held-caps.js';
import type { LatencyRecorder } from './latency-recorder.js';
import type { RetryCounter } from './retry-counts.js';
import type { UpstreamHead } from './upstream/link.js';
import type { WafCounter } from './waf-counts.js';
import type { WorkerPool } from './worker-pool.js';

export interface ForwardPlan {
  pool: WorkerPool;
  hashKey: string | undefined;
  /** Backend named by the request's sticky cookie, or -1. */
  pinnedIndex: number;
  /** Built for the pool's protocol (HTTP/1.1 text or HTTP/2 fields). */
  head: UpstreamHead;
  method: string;
  /** The request carries a body, which arrives through the downstream's onBody. */
  hasBody: boolean;
  /** The body is re-chunked upstream (the client sent no content-length). */
  chunkedBody: boolean;
  /** FULCRUM_MAX_BODY, enforced here for bodies whose length was not declared. */
  maxBody: number;
  /** A gRPC call's grpc-timeout: the whole exchange must be over by then (DEADLINE_EXCEEDED); 0: no deadline. */
  deadlineMs: number;
  /** A rate limit with `action: delay` holds the request this long before a backend is picked (0: none). */
  delayMs: number;
  /** The concurrency caps' counts the request holds, released when it ends (null: none). */
  caps: HeldCaps | null;
  /** For the access log (the client's address is the downstream's). */
  host: string;
  path: string;
  /** The WAF rules that matched a request passed on in detect mode, for the access log. */
  waf?: number[];
}

/** This worker's request accounting: counts (drain waits for inFlight to reach zero), latencies, access log. */
export interface WorkerTraffic {
  requests: number;
  inFlight: number;
  /** Set when the worker drains: responses then carry `Connection: close` so clients move to a live listener. */
  draining: boolean;
  latency: LatencyRecorder;
  retries: RetryCounter;
  /** Access-rule verdicts by rule. */
  access: AccessCounter;
  waf: WafCounter;
  accessLog: boolean;
  /** Watches exchanges waiting on their client (a body arriving, a response streaming). */
  clients: ClientSweep;
}
