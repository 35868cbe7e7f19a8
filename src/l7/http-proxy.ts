// Main-thread side of the L7 engine: starts one long-lived serve task per piscina worker and drains them.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { SETTINGS } from '../config/settings.js';
import type { FulcrumConfig, PoolConfig, RouteConfig } from '../config/types.js';
import { FulcrumError } from '../errors.js';
import { logsAt } from '../log.js';
import type { AccessDelta } from './access-counts.js';
import { type ControlMessage, controlChannel, type StatusMessage, statusChannel } from './channels.js';
import type { LatencyDelta } from './latency-recorder.js';
import type { RetryDelta } from './retry-counts.js';
import type { ServeSummary, ServeTask, StartFailure } from './serve-task.js';
import { createSplitCounters, readSplitCounts, type SplitRouteCounts } from './split-counters.js';
import type { WafDelta } from './waf-counts.js';
import type { UpstreamSettings, WorkerPoolSpec } from './worker-pool.js';

// Always the compiled task: piscina workers run plain JavaScript, also when this module is imported from src/ in tests.
const SERVE_TASK = fileURLToPath(new URL('../../dist/l7/serve-task.js', import.meta.url));

export interface HttpProxy {
  /** Workers replaced after they died; each death is also reported through events.workerDied. */
  readonly workerRestarts: number;
  /** The live worker threads (for stats, and for tests that kill one on purpose). */
  readonly threads: readonly Worker[];
  /** Fault injection for resilience tests: makes one worker die of an uncaught error. */
  failWorker(threadId: number): void;
  /** Hot reload: workers switch to these pools and routes for new requests. */
  reconfigure(pools: PoolConfig[], routes: RouteConfig[]): void;
  /** Requests each arm of each split route received since start (or the last reload), summed over workers. */
  splitCounts(): SplitRouteCounts[];
  /** Stops accepting, lets in-flight requests finish up to the deadline, then stops the workers. */
  drain(deadlineMs: number): Promise<ServeSummary[]>;
}

/** What the workers report to the main thread while they serve. */
export interface L7Events {
  workerDied(error: Error, restarts: number): void;
  latency(delta: LatencyDelta): void;
  retries(delta: RetryDelta): void;
  access(delta: AccessDelta): void;
  /** Optional: only a plane with WAF routes reports any. */
  waf?(delta: WafDelta): void;
}

/**
 * uWS drops (without a reply) a request head split across reads beyond this; keep it above Fulcrum's own 414/431 limits.
 * uWS builds on uWebSockets 20.50 or later read it; the bundled 20.30 (uWebSockets 20.43) ignores it (a fixed 4 KiB, docs/uws.md).
 */
const UWS_HEADERS_ENV = 'UWS_HTTP_MAX_HEADERS_SIZE';

function workerPoolSpecs(pools: PoolConfig[]): WorkerPoolSpec[] {
  return pools.map((pool) => ({
    name: pool.name,
    hashKey: pool.hashKey,
    usesKey: pool.algorithm === 'consistent-hash',
    hostRewrite: pool.hostRewrite ?? null,
    stickyCookie: pool.sticky?.cookie ?? null,
    backup: pool.backup,
    countServerErrors: pool.outlier?.include5xx ?? false,
    slowResponseMs: pool.outlier?.slowResponseMs ?? 0,
    protocol: pool.protocol,
    upstreamTls: pool.upstreamTls,
  }));
}

function upstreamSettings(config: FulcrumConfig): UpstreamSettings {
  return {
    maxSocketsPerBackend: config.upstreamMaxSockets,
    connectTimeoutMs: config.connectTimeout,
    timeouts: { responseMs: config.responseTimeout, idleMs: config.upstreamIdleTimeout },
    maxAttempts: 1 + config.retries,
  };
}

/** How long a failed start waits for the other workers to settle before tearing the pool down. */
const START_FAILURE_SETTLE_MS = 5_000;

/** A worker's start-up failure as the user's error: which setting to fix, with an exit code saying so. */
function startError(failure: StartFailure): FulcrumError {
  if (failure.failed === 'tls') {
    return new FulcrumError('FULCRUM_ERR_TLS', `${failure.reason}; "fulcrum --check-config" names the file to fix.`);
  }
  const setting =
    failure.failed === 'listeners' ? "the config file's listeners[].listen" : SETTINGS.find((row) => row.key === failure.failed)?.env;
  return new FulcrumError('FULCRUM_ERR_LISTEN', `${failure.reason}; set ${setting} to a free address.`);
}

function throwIfNotStarted(result: ServeSummary | StartFailure): ServeSummary {
  if ('failed' in result) throw startError(result);
  return result;
}

/**
 * Everything the L7 plane takes from the config, in one place: test/unit/config/setting-modes.test.ts
 * reads it to check which settings the README may label "http:".
 */
export function l7Plan(config: FulcrumConfig, pools: PoolConfig[]) {
  const task: Omit<ServeTask, 'splitCounters' | 'planeId'> = {
    host: config.listen.host,
    port: config.listen.port,
    routes: config.routes,
    upstream: upstreamSettings(config),
    pools: workerPoolSpecs(pools),
    limits: { maxBody: config.maxBody, maxUrlLength: config.maxUrlLength, maxHeaderSize: config.maxHeaderSize },
    clientTimeouts: { bodyMs: config.clientBodyTimeout, sendMs: config.clientSendTimeout },
    trustedProxies: config.trustedProxies,
    protocols: config.protocols,
    listeners: config.listeners.map((listener) => ({ ...listener.address, protocols: listener.protocols, tls: listener.tls })),
    tls: config.tlsCert && config.tlsKey ? { cert: config.tlsCert, key: config.tlsKey, certificates: config.tlsCertificates } : null,
    redirect: config.tlsCert ? config.httpsRedirectListen : null,
    // Workers write their lines themselves; an access log below the log level is not written at all.
    accessLog: config.accessLog && logsAt(config.logLevel, 'info'),
  };
  return { workers: config.workers, uwsMaxHeadersSize: config.maxUrlLength + config.maxHeaderSize + 1024, task };
}

export async function startHttpProxy(config: FulcrumConfig, pools: PoolConfig[], events: L7Events): Promise<HttpProxy> {
  const plan = l7Plan(config, pools);
  const workers = plan.workers;
  // Read once by uWS when a worker first loads it, from the process environment shared by all threads.
  process.env[UWS_HEADERS_ENV] ??= String(plan.uwsMaxHeadersSize);
  let splitCounters = createSplitCounters(plan.task.routes, workers);
  const piscina = new Piscina({
    filename: SERVE_TASK,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: 1,
    idleTimeout: Infinity,
    atomics: 'disabled',
  });
  // Mutable: a worker started after a reload (a replacement) must get the current pools and routes.
  const task: ServeTask = { ...plan.task, splitCounters, planeId: randomUUID() };
  const status = new BroadcastChannel(statusChannel(task.planeId));
  const control = new BroadcastChannel(controlChannel(task.planeId));
  let listeningCount = 0;
  let started = false;
  /** Set by drain(): when the workers must be done, as a time (ms since the epoch). */
  let drainDeadline: number | null = null;
  const broadcastDrain = (deadline: number) =>
    control.postMessage({ type: 'drain', deadlineMs: Math.max(0, deadline - Date.now()) } satisfies ControlMessage);
  let workerRestarts = 0;
  const listening = new Promise<void>((resolve) => {
    status.onmessage = (event: { data: StatusMessage }) => {
      if (event.data.type === 'latency') {
        events.latency(event.data.delta);
      } else if (event.data.type === 'retries') {
        events.retries(event.data.delta);
      } else if (event.data.type === 'access') {
        events.access(event.data.delta);
      } else if (event.data.type === 'waf') {
        events.waf?.(event.data.delta);
      } else if (drainDeadline !== null) {
        // A replacement worker that started after the drain broadcast missed it (it had no channel yet): repeat it.
        broadcastDrain(drainDeadline);
      } else if (++listeningCount === workers) {
        resolve();
      }
    };
  });

  // A serve task only ends when drained; one that fails afterwards lost its worker, so start another
  // (piscina has already replaced the thread). Before start-up completes, a failure is fatal.
  const runServe = (): Promise<ServeSummary> =>
    (piscina.run(task) as Promise<ServeSummary | StartFailure>).then(throwIfNotStarted).catch((error: Error) => {
      if (!started || drainDeadline !== null) throw error;
      workerRestarts++;
      events.workerDied(error, workerRestarts);
      return runServe();
    });
  const tasks = Array.from({ length: workers }, runServe);
  const firstFailure = Promise.race(tasks).then(() => {
    throw new Error('an L7 worker stopped before it was asked to');
  });
  try {
    await Promise.race([listening, firstFailure]);
    started = true;
  } catch (error) {
    // Let every worker finish starting before the pool is destroyed: terminating one still loading its
    // task module makes Node 20 abort the process (an assertion in require(esm)), where the user should
    // get this error. The others are told to drain at once; one that subscribes late is told again.
    drainDeadline = Date.now();
    broadcastDrain(drainDeadline);
    let settleTimer: NodeJS.Timeout | undefined;
    const settleBound = new Promise((resolve) => (settleTimer = setTimeout(resolve, START_FAILURE_SETTLE_MS)));
    await Promise.race([Promise.allSettled(tasks), settleBound]);
    clearTimeout(settleTimer);
    status.close();
    control.close();
    await piscina.destroy();
    if (error instanceof FulcrumError) throw error;
    throw new FulcrumError('FULCRUM_ERR_WORKER', `an L7 worker could not start: ${(error as Error).message}`);
  } finally {
    firstFailure.catch(() => undefined);
  }

  return {
    get workerRestarts() {
      return workerRestarts;
    },
    get threads() {
      return piscina.threads;
    },
    failWorker(threadId: number) {
      control.postMessage({ type: 'fail', threadId } satisfies ControlMessage);
    },
    reconfigure(nextPools: PoolConfig[], routes: RouteConfig[]) {
      splitCounters = createSplitCounters(routes, workers);
      task.pools = workerPoolSpecs(nextPools);
      task.routes = routes;
      task.splitCounters = splitCounters;
      control.postMessage({ type: 'reconfigure', pools: task.pools, routes, splitCounters } satisfies ControlMessage);
    },
    splitCounts() {
      return readSplitCounts(splitCounters, task.routes);
    },
    async drain(deadlineMs: number) {
      drainDeadline = Date.now() + deadlineMs;
      broadcastDrain(drainDeadline);
      const summaries = await Promise.all(tasks);
      status.close();
      control.close();
      await piscina.destroy();
      return summaries;
    },
  };
}
