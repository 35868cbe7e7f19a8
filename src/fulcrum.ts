// A running Fulcrum: native pools, health, the data plane for the mode, the admin API; reload and graceful stop.
import { startAdminServer, type AdminServer } from './admin/admin-server.js';
import type { LatencyPercentiles } from './admin/latency-stats.js';
import { createPool, destroyPool, updatePool, type BalancerPool } from './balance/index.js';
import { formatHostPort } from './config/parsers.js';
import { resolvePools, type ResolvedPool } from './config/resolve-hosts.js';
import type { FulcrumConfig } from './config/types.js';
import { startDataPlane, type DataPlane } from './data-plane.js';
import { HealthMonitor } from './health/health-monitor.js';
import type { Logger } from './log.js';

export interface ReloadCounts {
  applied: number;
  rejected: number;
}

export interface RunningFulcrum {
  readonly config: FulcrumConfig;
  readonly pools: ReadonlyMap<string, BalancerPool>;
  readonly health: HealthMonitor;
  readonly reloads: ReloadCounts;
  dataPlaneStats(): Record<string, unknown>;
  backendLatency(pool: string, backendIndex: number): LatencyPercentiles | null;
  /** Applies a validated new config in place; throws (and keeps the old one) when it cannot. */
  reload(next: FulcrumConfig): Promise<void>;
  /** Stops accepting, lets live requests and connections finish up to `deadlineMs`, then releases everything. */
  stop(deadlineMs: number): Promise<void>;
  /** Logs what is serving; called once signal handlers are in place, so "serving" means ready for them too. */
  announce(): void;
}

function nativeOptions(pool: ResolvedPool) {
  return {
    algorithm: pool.algorithm,
    backends: pool.backends.map((backend) => ({ address: formatHostPort({ host: backend.ip, port: backend.port }), weight: backend.weight })),
  };
}

/** What a reload cannot change on a running process, with the reason it needs a restart. */
function restartOnlyChange(current: FulcrumConfig, next: FulcrumConfig): string | null {
  if (current.mode !== next.mode) return `mode ${current.mode} → ${next.mode}`;
  if (current.workers !== next.workers) return `workers ${current.workers} → ${next.workers}`;
  if (formatHostPort(current.listen) !== formatHostPort(next.listen)) return `listen ${formatHostPort(current.listen)} → ${formatHostPort(next.listen)}`;
  if (current.adminListen?.port !== next.adminListen?.port || current.adminListen?.host !== next.adminListen?.host) return 'adminListen';
  return null;
}

export async function startFulcrum(initial: FulcrumConfig, logger: Logger): Promise<RunningFulcrum> {
  let config = initial;
  const pools = new Map<string, BalancerPool>();
  const health = new HealthMonitor(logger);
  const reloads: ReloadCounts = { applied: 0, rejected: 0 };
  for (const pool of await resolvePools(config.pools)) pools.set(pool.name, createPool({ name: pool.name, ...nativeOptions(pool) }));
  const releasePools = () => {
    for (const name of pools.keys()) destroyPool(name);
  };

  let admin: AdminServer | null = null;
  let dataPlane: DataPlane;
  try {
    dataPlane = await startDataPlane(config, config.pools, logger);
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
    dataPlaneStats: () => dataPlane.stats(),
    backendLatency: (pool, backendIndex) => dataPlane.backendLatency(pool, backendIndex),
    async reload(next) {
      const blocked = restartOnlyChange(config, next);
      if (blocked) throw new Error(`${blocked} cannot change on a running process; restart Fulcrum to apply it`);
      const resolved = await resolvePools(next.pools);
      for (const pool of resolved) {
        const existing = pools.get(pool.name);
        if (existing) updatePool(pool.name, nativeOptions(pool));
        else pools.set(pool.name, createPool({ name: pool.name, ...nativeOptions(pool) }));
      }
      dataPlane.reconfigure(next);
      const kept = new Set(next.pools.map((pool) => pool.name));
      for (const name of [...pools.keys()]) {
        if (kept.has(name)) continue;
        // Workers still holding the pool finish their requests on it; new ones no longer route there.
        destroyPool(name);
        pools.delete(name);
      }
      health.reconcile(next.pools, pools);
      config = next;
      reloads.applied++;
    },
    announce() {
      logger.info(
        { mode: config.mode, listen: formatHostPort(config.listen), workers: config.workers, pools: [...pools.keys()], admin: config.adminListen && formatHostPort(config.adminListen) },
        'fulcrum is serving',
      );
    },
    async stop(deadlineMs) {
      health.stop();
      await admin?.close();
      await dataPlane.drain(deadlineMs);
      releasePools();
      logger.info('fulcrum stopped');
    },
  };

  try {
    admin = config.adminListen ? await startAdminServer(config.adminListen, config.adminToken, running) : null;
  } catch (error) {
    health.stop();
    await dataPlane.drain(0);
    releasePools();
    throw error;
  }
  return running;
}
