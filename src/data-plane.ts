// The data plane for the configured mode behind one small interface: L7 workers (http) or native L4 threads (tcp).
import { formatHostPort } from './config/parsers.js';
import type { FulcrumConfig, PoolConfig } from './config/types.js';
import { startTcpProxy } from './l4/index.js';
import { LatencyStats, type LatencyPercentiles } from './admin/latency-stats.js';
import { startHttpProxy } from './l7/http-proxy.js';
import { RetryTotals } from './l7/retry-counts.js';
import type { Logger } from './log.js';

export interface DataPlane {
  readonly kind: 'http' | 'tcp';
  /** Stats of the plane itself (L7 workers, restarts and split arm counts, or L4 connection counters). */
  stats(): Record<string, unknown>;
  /** Response-time percentiles of one backend (http), or null. */
  backendLatency(pool: string, backendIndex: number): LatencyPercentiles | null;
  /** Requests retried away from one backend after it failed them (http), or null. */
  backendRetries(pool: string, backendIndex: number): number | null;
  /** Hot reload of pools and routes on the same listener. */
  reconfigure(config: FulcrumConfig): void;
  /** Stops accepting, lets live requests or connections finish until the deadline, then stops. */
  drain(deadlineMs: number): Promise<void>;
}

export async function startDataPlane(config: FulcrumConfig, pools: PoolConfig[], logger: Logger): Promise<DataPlane> {
  if (config.mode === 'tcp') {
    const proxy = await startTcpProxy({
      listen: config.listen,
      poolName: 'default',
      workers: config.workers,
      connectTimeoutMs: config.connectTimeout,
      idleTimeoutMs: config.tcpIdleTimeout,
      retries: config.retries,
      maxConnections: config.maxConnections,
      pipeSize: config.pipeSize,
      ...(config.proxyProtocol === 'off' ? {} : { proxyProtocol: config.proxyProtocol }),
      acceptProxyProtocol: config.acceptProxyProtocol,
      onEvent: (message) => logger.warn({ plane: 'tcp' }, message),
      ...(config.accessLog
        ? {
            onConnectionClosed: (batch) => {
              for (const record of batch) logger.info({ ...record }, 'tcp connection');
            },
          }
        : {}),
    });
    return {
      kind: 'tcp',
      stats: () => ({ ...proxy.stats() }),
      backendLatency: () => null,
      backendRetries: () => null,
      reconfigure: () => undefined,
      drain: async (deadlineMs) => {
        const { forcedCloses } = await proxy.drain(deadlineMs);
        if (forcedCloses > 0) logger.warn({ forcedCloses }, 'drain deadline passed: closed live tcp connections');
      },
    };
  }
  const latency = new LatencyStats();
  const retries = new RetryTotals();
  const proxy = await startHttpProxy(config, pools, {
    workerDied: (error, restarts) =>
      logger.error({ err: error, restarts, listen: formatHostPort(config.listen) }, 'an L7 worker died and was replaced'),
    latency: (delta) => latency.add(delta),
    retries: (delta) => retries.add(delta),
  });
  return {
    kind: 'http',
    stats: () => ({ workers: proxy.threads.length, workerRestarts: proxy.workerRestarts, splits: proxy.splitCounts() }),
    backendLatency: (pool, backendIndex) => latency.percentiles(pool, backendIndex),
    backendRetries: (pool, backendIndex) => retries.of(pool, backendIndex),
    reconfigure: (next) => proxy.reconfigure(next.pools, next.routes),
    drain: async (deadlineMs) => {
      await proxy.drain(deadlineMs);
    },
  };
}
