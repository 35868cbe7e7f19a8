// A running Fulcrum: native pools, health, the data plane for the mode, the admin API; reload and graceful stop.
import { type AdminServer, startAdminServer } from './admin/admin-server.js';
import type { LatencyPercentiles } from './admin/latency-stats.js';
import { type BalancerPool, createPool, destroyPool, updatePool } from './balance/index.js';
import type { EtcdStatus } from './config/etcd/etcd-source.js';
import { formatHostPort } from './config/parsers.js';
import { type DnsMembers, type ResolvedPool, resolvePools } from './config/resolve-hosts.js';
import { listenerLines } from './config/served-protocols.js';
import { tlsFilesDigest } from './config/tls-digest.js';
import type { FulcrumConfig } from './config/types.js';
import { type DataPlane, startDataPlane } from './data-plane.js';
import { DnsDiscovery, usesDns } from './discovery/dns-discovery.js';
import { refuseAddressesInUse } from './exclusive-port.js';
import { HealthMonitor } from './health/health-monitor.js';
import { type Logger, logsAt } from './log.js';
import { enableSocketMigration, logNewDataPlane, warnIfNoSocketMigration } from './socket-migration.js';

export interface ReloadCounts {
  applied: number;
  rejected: number;
}

export interface RunningFulcrum {
  readonly config: FulcrumConfig;
  readonly pools: ReadonlyMap<string, BalancerPool>;
  readonly health: HealthMonitor;
  readonly reloads: ReloadCounts;
  /** Where the configuration comes from when that has a state of its own (etcd); set by main after start. */
  configSource?: { status(): EtcdStatus };
  /** The DNS-named backends' sources (dns+a://, dns+srv://): /stats and /metrics. */
  readonly discovery: DnsDiscovery;
  dataPlaneStats(): Record<string, unknown>;
  backendLatency(pool: string, backendIndex: number): LatencyPercentiles | null;
  backendRetries(pool: string, backendIndex: number): number | null;
  /** Applies a validated new config in place; throws (and keeps the old one) when it cannot. */
  reload(next: FulcrumConfig): Promise<void>;
  /** Stops accepting, lets live requests and connections finish up to `deadlineMs`, then releases everything. */
  stop(deadlineMs: number): Promise<void>;
  /** Logs what is serving; called once signal handlers are in place, so "serving" means ready for them too. */
  announce(): void;
}

function nativeOptions(pool: ResolvedPool, config: FulcrumConfig) {
  return {
    algorithm: pool.algorithm,
    latencyHalfLifeMs: config.latencyHalfLife,
    backends: pool.backends.map((backend) => ({
      address: formatHostPort({ host: backend.ip, port: backend.port }),
      weight: backend.weight,
    })),
  };
}

/**
 * Settings the running data plane takes in place on reload (pools, routes, balancing, health). A change
 * to any other setting (mode, listen, workers, timeouts, limits, TLS, ...) starts a new data plane
 * beside the old one, which then drains: listeners bind with SO_REUSEPORT, so even the same address
 * never stops accepting, and the connections queued on the old listeners move to the new ones when the
 * old close (Fulcrum's eBPF program, else net.ipv4.tcp_migrate_req: src/socket-migration.ts).
 */
// biome-ignore format: a list of names, not one per line.
const RELOADABLE_IN_PLACE = new Set<string>([
  'pools', 'routes', 'backends', 'algorithm', 'hashKey', 'healthCheck', 'healthInterval',
  'healthTimeout', 'healthRise', 'healthFall', 'outlierFailures', 'outlierEjectionTime', 'outlierMaxPercent', 'outlierSlowResponse',
  'slowStart', 'latencyHalfLife', 'drainTimeout', 'logLevel', 'watchConfig', 'adminListen', 'adminToken', 'sources',
  'configFile', 'reusePort', 'dnsServers', 'dnsMinTtl', 'dnsMaxTtl',
]);

/** In http mode these reach the workers inside the routes (request-caps.ts), so they reload in place too. */
const IN_ROUTES_IN_HTTP_MODE = new Set<string>(['maxConnectionsPerIp', 'tcpAccess']);

function dataPlaneChanged(current: FulcrumConfig, next: FulcrumConfig): string[] {
  const keys = Object.keys(next) as (keyof FulcrumConfig)[];
  const inPlace = (key: string) => RELOADABLE_IN_PLACE.has(key) || (next.mode === 'http' && IN_ROUTES_IN_HTTP_MODE.has(key));
  const changed = keys.filter((key) => !inPlace(key) && JSON.stringify(current[key]) !== JSON.stringify(next[key]));
  // The planes gather the access log only when the log level writes it, as it was when they started.
  if (next.accessLog && logsAt(current.logLevel, 'info') !== logsAt(next.logLevel, 'info')) changed.push('logLevel');
  return changed;
}

function sameAddress(a: FulcrumConfig['adminListen'], b: FulcrumConfig['adminListen']): boolean {
  return a?.host === b?.host && a?.port === b?.port;
}

export async function startFulcrum(initial: FulcrumConfig, logger: Logger): Promise<RunningFulcrum> {
  let config = initial;
  /** Of the TLS files the running data plane loaded: a renewed certificate at the same path changes it. */
  let tlsDigest = config.mode === 'http' ? tlsFilesDigest(config) : '';
  await refuseAddressesInUse(config);
  const pools = new Map<string, BalancerPool>();
  const health = new HealthMonitor(logger);
  const reloads: ReloadCounts = { applied: 0, rejected: 0 };
  /** Membership changes (reloads, DNS answers) run one at a time, so a late one never undoes a newer one. */
  let lastChange: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(change: () => Promise<T>): Promise<T> => {
    const run = lastChange.then(change, change);
    lastChange = run.catch(() => undefined);
    return run;
  };
  // A changed DNS answer updates its pools in place, as a reload does: kept addresses keep their slot and counters.
  const applyDnsAnswers = () =>
    oneAtATime(async () => {
      for (const pool of await resolvePools(config.pools.filter(usesDns), dnsMembers)) updatePool(pool.name, nativeOptions(pool, config));
      health.reconcile(config.pools, pools);
    }).catch((error: unknown) => logger.error({ err: error }, 'a DNS answer could not be applied; the pools keep their backends'));
  const discovery = new DnsDiscovery(logger, () => void applyDnsAnswers());
  const dnsMembers: DnsMembers = (source) => discovery.members(source);
  await discovery.prepare(config);
  try {
    for (const pool of await resolvePools(config.pools, dnsMembers))
      pools.set(pool.name, createPool({ name: pool.name, ...nativeOptions(pool, config) }));
  } catch (error) {
    discovery.stop();
    throw error;
  }
  const releasePools = () => {
    discovery.stop();
    for (const name of pools.keys()) destroyPool(name);
  };

  let admin: AdminServer | null = null;
  let dataPlane: DataPlane;
  /** Data planes replaced by a reload, still draining. */
  const retiring = new Set<Promise<void>>();
  try {
    dataPlane = await startDataPlane(config, config.pools, logger);
    warnIfNoSocketMigration(logger, enableSocketMigration(config.listen.port));
    health.reconcile(config.pools, pools);
  } catch (error) {
    releasePools();
    throw error;
  }

  const running: RunningFulcrum = {
    get config() {
      return config;
    },
    pools,
    health,
    reloads,
    discovery,
    dataPlaneStats: () => dataPlane.stats(),
    backendLatency: (pool, backendIndex) => dataPlane.backendLatency(pool, backendIndex),
    backendRetries: (pool, backendIndex) => dataPlane.backendRetries(pool, backendIndex),
    async reload(next) {
      if (!sameAddress(config.adminListen, next.adminListen)) {
        throw new Error(
          'adminListen cannot change on a running process (the reload would cut off its own API); restart Fulcrum to apply it',
        );
      }
      await discovery.prepare(next);
      const resolved = await resolvePools(next.pools, dnsMembers);
      const added: string[] = [];
      for (const pool of resolved) {
        if (pools.has(pool.name)) continue;
        pools.set(pool.name, createPool({ name: pool.name, ...nativeOptions(pool, next) }));
        added.push(pool.name);
      }
      const changed = dataPlaneChanged(config, next);
      const nextTlsDigest = next.mode === 'http' ? tlsFilesDigest(next) : '';
      if (nextTlsDigest !== tlsDigest) changed.push('tls file contents');
      if (changed.length > 0) {
        let fresh: DataPlane;
        try {
          await refuseAddressesInUse(next, config);
          fresh = await startDataPlane(next, next.pools, logger);
        } catch (error) {
          for (const name of added) {
            destroyPool(name);
            pools.delete(name);
          }
          throw error;
        }
        const old = dataPlane;
        dataPlane = fresh;
        tlsDigest = nextTlsDigest;
        logNewDataPlane(logger, changed, enableSocketMigration(next.listen.port));
        const draining: Promise<void> = old
          .drain(next.drainTimeout)
          .catch((error: unknown) => logger.error({ err: error }, 'the previous data plane failed to drain'))
          .finally(() => retiring.delete(draining));
        retiring.add(draining);
      }
      for (const pool of resolved) if (!added.includes(pool.name)) updatePool(pool.name, nativeOptions(pool, next));
      if (changed.length === 0) dataPlane.reconfigure(next);
      if (next.logLevel !== config.logLevel) logger.level = next.logLevel;
      const kept = new Set(next.pools.map((pool) => pool.name));
      for (const name of [...pools.keys()]) {
        if (kept.has(name)) continue;
        // Workers still holding the pool finish their requests on it; new ones no longer route there.
        destroyPool(name);
        pools.delete(name);
      }
      health.reconcile(next.pools, pools);
      discovery.retain(next);
      config = next;
      reloads.applied++;
    },
    announce() {
      logger.info(
        {
          mode: config.mode,
          listen: formatHostPort(config.listen),
          protocols: listenerLines(config),
          workers: config.workers,
          pools: [...pools.keys()],
          admin: config.adminListen && formatHostPort(config.adminListen),
        },
        'fulcrum is serving',
      );
    },
    async stop(deadlineMs) {
      health.stop();
      await admin?.close();
      await Promise.all([dataPlane.drain(deadlineMs), ...retiring]);
      releasePools();
      logger.info('fulcrum stopped');
    },
  };

  // A reload waits for a DNS update under way (and the other way round): both change pool membership.
  const reloadNow = running.reload.bind(running);
  running.reload = (next) => oneAtATime(() => reloadNow(next));

  try {
    admin = config.adminListen ? await startAdminServer(config.adminListen, running, logger) : null;
  } catch (error) {
    health.stop();
    await dataPlane.drain(0);
    releasePools();
    throw error;
  }
  return running;
}
