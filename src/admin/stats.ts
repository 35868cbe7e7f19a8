// Builds the GET /stats document: per pool and backend, the native counters joined with health state.
import { listenerLines } from '../config/served-protocols.js';
import type { RunningFulcrum } from '../fulcrum.js';
import { LATENCY_BUCKETS_MS } from '../l7/latency-recorder.js';

export function buildStats(fulcrum: RunningFulcrum): Record<string, unknown> {
  const pools: Record<string, unknown> = {};
  for (const [name, pool] of fulcrum.pools) {
    const snapshot = pool.snapshot();
    const config = fulcrum.config.pools.find((candidate) => candidate.name === name);
    pools[name] = {
      algorithm: snapshot.algorithm,
      activeConnections: snapshot.activeTotal,
      healthCheck: config?.healthCheck
        ? {
            kind: config.healthCheck.kind,
            intervalMs: config.healthCheck.intervalMs,
            rise: config.healthCheck.rise,
            fall: config.healthCheck.fall,
          }
        : null,
      events: fulcrum.health.events(name) ?? null,
      dns: config ? fulcrum.discovery.statsOf(config) : [],
      backends: snapshot.backends
        .filter((backend) => backend.inPool)
        .map((backend) => {
          const health = fulcrum.health.backend(name, backend.index);
          return {
            address: backend.address,
            id: backend.id,
            state: backend.state,
            weight: backend.weight,
            effectiveWeight: backend.effectiveWeight,
            activeConnections: backend.activeConnections,
            totalPicks: backend.totalPicks,
            failures: backend.failures,
            consecutiveFailures: backend.consecutiveFailures,
            latencyMs: fulcrum.backendLatency(name, backend.index),
            ewmaMs: backend.ewmaMs,
            retries: fulcrum.backendRetries(name, backend.index),
            health: health && {
              admin: health.admin,
              activeUp: health.activeUp,
              ejectedUntil: health.ejected ? new Date(health.ejectedUntil).toISOString() : null,
              ejections: health.ejections,
              checks: health.history,
            },
          };
        }),
    };
  }
  return {
    mode: fulcrum.config.mode,
    uptimeSeconds: Math.round(process.uptime()),
    reloads: fulcrum.reloads,
    process: {
      pid: process.pid,
      rssBytes: process.memoryUsage.rss(),
      workers: fulcrum.config.workers,
      listeners: listenerLines(fulcrum.config),
    },
    ...(fulcrum.configSource && { config: fulcrum.configSource.status() }),
    dataPlane: fulcrum.dataPlaneStats(),
    /** Upper bounds of each backend's latencyMs.buckets; the last (null in JSON) takes the rest. */
    latencyBucketsMs: LATENCY_BUCKETS_MS,
    pools,
  };
}
