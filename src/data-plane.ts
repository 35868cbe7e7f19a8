// The data plane for the configured mode behind one small interface: L7 workers (http) or native L4 threads (tcp, udp).

import { type LatencyPercentiles, LatencyStats } from './admin/latency-stats.js';
import { formatHostPort } from './config/parsers.js';
import { DEFAULT_POOL, type FulcrumConfig, type PoolConfig } from './config/types.js';
import { FulcrumError } from './errors.js';
import {
  type ConnectionVerdicts,
  startTcpProxy,
  startUdpProxy,
  type TcpProxy,
  type TcpProxyOptions,
  type UdpProxy,
  type UdpProxyOptions,
} from './l4/index.js';
import { AccessTotals } from './l7/access-counts.js';
import { startHttpProxy } from './l7/http-proxy.js';
import { RetryTotals } from './l7/retry-counts.js';
import { WafTotals } from './l7/waf-counts.js';
import { type Logger, logsAt } from './log.js';

export interface DataPlane {
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

/** The L4 engine names the address it could not bind; the binary adds the setting that chose it. */
function namingListenSetting(error: unknown): unknown {
  if (!(error instanceof FulcrumError) || error.code !== 'FULCRUM_ERR_LISTEN') return error;
  return new FulcrumError(error.code, `${error.message}; set FULCRUM_LISTEN to a free address.`);
}

/**
 * Everything the L4 plane takes from the config, in one place: test/unit/config/setting-modes.test.ts
 * reads it to check which settings the README may label "tcp:".
 */
export function l4Plan(config: FulcrumConfig): Omit<TcpProxyOptions, 'onEvent' | 'onConnectionClosed'> & { accessLog: boolean } {
  return {
    listen: config.listen,
    poolName: DEFAULT_POOL,
    workers: config.workers,
    connectTimeoutMs: config.connectTimeout,
    idleTimeoutMs: config.tcpIdleTimeout,
    retries: config.retries,
    maxConnections: config.maxConnections,
    pipeSize: config.pipeSize,
    ...(config.proxyProtocol === 'off' ? {} : { proxyProtocol: config.proxyProtocol }),
    acceptProxyProtocol: config.acceptProxyProtocol,
    accessRules: config.tcpAccess.rules,
    ...(config.tcpAccess.connectionRate ? { connectionRate: config.tcpAccess.connectionRate } : {}),
    ...(config.maxConnectionsPerIp === null ? {} : { maxConnectionsPerIp: config.maxConnectionsPerIp }),
    // Below the log level the records would be dropped: the native threads do not gather them at all.
    accessLog: config.accessLog && logsAt(config.logLevel, 'info'),
  };
}

/** Everything the UDP plane takes from the config (read by test/unit/config/setting-modes.test.ts, as l4Plan). */
export function udpPlan(config: FulcrumConfig): Omit<UdpProxyOptions, 'onEvent' | 'onFlowClosed'> & { accessLog: boolean } {
  return {
    listen: config.listen,
    poolName: DEFAULT_POOL,
    workers: config.workers,
    idleTimeoutMs: config.udpIdleTimeout,
    maxFlows: config.udpMaxFlows,
    responses: config.udpResponses,
    perPacket: config.udpPerPacket,
    // As l4Plan's: below the log level the native threads do not gather records at all.
    accessLog: config.accessLog && logsAt(config.logLevel, 'info'),
  };
}

/** Connection verdicts of several TCP listeners, added up by rule and verdict. */
function summedVerdicts(proxies: TcpProxy[]): ConnectionVerdicts {
  const total: ConnectionVerdicts = {};
  for (const proxy of proxies) {
    for (const [rule, verdicts] of Object.entries(proxy.connectionVerdicts())) {
      const sum = (total[rule] ??= {});
      for (const [verdict, count] of Object.entries(verdicts) as [keyof typeof sum, number][]) sum[verdict] = (sum[verdict] ?? 0) + count;
    }
  }
  return total;
}

/** Counters of several listeners of one kind, added up name by name. */
function summed<T extends object>(stats: T[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const one of stats) {
    for (const [name, value] of Object.entries(one)) if (typeof value === 'number') total[name] = (total[name] ?? 0) + value;
  }
  return total;
}

/**
 * tcp and udp mode: FULCRUM_LISTEN in the mode's transport, plus the file's `listeners` in either, all over
 * the default pool. /stats shows the TCP counters at the top (as before UDP existed) and the UDP ones under `udp`.
 */
async function startL4Plane(config: FulcrumConfig, logger: Logger): Promise<DataPlane> {
  const addresses = [
    { address: config.listen, transport: config.mode },
    ...config.l4Listeners.map((l) => ({ address: l.address, transport: l.transport })),
  ];
  const { accessLog, ...tcpOptions } = l4Plan(config);
  const tcp: TcpProxy[] = [];
  const udp: UdpProxy[] = [];
  try {
    for (const { address, transport } of addresses) {
      if (transport === 'udp') {
        const { accessLog: udpAccessLog, ...udpOptions } = udpPlan(config);
        udp.push(
          startUdpProxy({
            ...udpOptions,
            listen: address,
            onEvent: (message) => logger.warn({ plane: 'udp' }, message),
            ...(udpAccessLog
              ? {
                  onFlowClosed: (batch) => {
                    for (const record of batch) logger.info({ ...record }, 'udp flow');
                  },
                }
              : {}),
          }),
        );
        continue;
      }
      tcp.push(
        await startTcpProxy({
          ...tcpOptions,
          listen: address,
          onEvent: (message) => logger.warn({ plane: 'tcp' }, message),
          ...(accessLog
            ? {
                onConnectionClosed: (batch) => {
                  for (const record of batch) logger.info({ ...record }, 'tcp connection');
                },
              }
            : {}),
        }),
      );
    }
  } catch (error) {
    // A later listener failed: the ones already listening are closed, not left behind.
    await Promise.all([...tcp.map((proxy) => proxy.close()), ...udp.map((proxy) => proxy.drain(0))]);
    throw namingListenSetting(error);
  }
  return {
    stats: () => ({
      ...(tcp.length > 0 ? summed(tcp.map((proxy) => proxy.stats())) : {}),
      ...(tcp.length > 0 ? { accessConnections: summedVerdicts(tcp) } : {}),
      ...(udp.length > 0 ? { udp: summed(udp.map((proxy) => proxy.stats())) } : {}),
    }),
    backendLatency: () => null,
    backendRetries: () => null,
    reconfigure: () => undefined,
    drain: async (deadlineMs) => {
      const results = await Promise.all([...tcp.map((proxy) => proxy.drain(deadlineMs)), ...udp.map((proxy) => proxy.drain(deadlineMs))]);
      const forcedCloses = results.reduce((sum, result) => sum + result.forcedCloses, 0);
      if (forcedCloses > 0) logger.warn({ forcedCloses }, 'drain deadline passed: closed live tcp connections and udp flows');
    },
  };
}

export async function startDataPlane(config: FulcrumConfig, pools: PoolConfig[], logger: Logger): Promise<DataPlane> {
  if (config.mode !== 'http') return startL4Plane(config, logger);
  const latency = new LatencyStats();
  const retries = new RetryTotals();
  const access = new AccessTotals();
  const waf = new WafTotals();
  const proxy = await startHttpProxy(config, pools, {
    workerDied: (error, restarts) =>
      logger.error({ err: error, restarts, listen: formatHostPort(config.listen) }, 'an L7 worker died and was replaced'),
    latency: (delta) => latency.add(delta),
    retries: (delta) => retries.add(delta),
    access: (delta) => access.add(delta),
    waf: (delta) => waf.add(delta),
  });
  return {
    stats: () => ({
      workers: proxy.threads.length,
      workerRestarts: proxy.workerRestarts,
      splits: proxy.splitCounts(),
      access: access.byRule(),
      waf: waf.stats(),
    }),
    backendLatency: (pool, backendIndex) => latency.percentiles(pool, backendIndex),
    backendRetries: (pool, backendIndex) => retries.of(pool, backendIndex),
    reconfigure: (next) => proxy.reconfigure(next.pools, next.routes),
    drain: async (deadlineMs) => {
      await proxy.drain(deadlineMs);
    },
  };
}
