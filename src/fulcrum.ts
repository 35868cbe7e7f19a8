// Starts a configured Fulcrum: native pools, the data plane for the mode, the admin API; stops it gracefully.
import { startAdminServer, type AdminServer } from './admin/admin-server.js';
import { createPool, destroyPool, type BalancerPool } from './balance/index.js';
import { resolvePools } from './config/resolve-hosts.js';
import { formatHostPort } from './config/parsers.js';
import type { FulcrumConfig } from './config/types.js';
import { startHttpProxy } from './l7/http-proxy.js';
import type { Logger } from './log.js';

export interface RunningFulcrum {
  /** Stops accepting, lets live requests and connections finish up to `deadlineMs`, then releases everything. */
  stop(deadlineMs: number): Promise<void>;
}

export async function startFulcrum(config: FulcrumConfig, logger: Logger): Promise<RunningFulcrum> {
  const resolved = await resolvePools(config.pools);
  const pools = new Map<string, BalancerPool>();
  for (const pool of resolved) {
    pools.set(
      pool.name,
      createPool({
        name: pool.name,
        algorithm: pool.algorithm,
        backends: pool.backends.map((backend) => ({ address: formatHostPort({ host: backend.ip, port: backend.port }), weight: backend.weight })),
      }),
    );
  }
  const releasePools = () => {
    for (const name of pools.keys()) destroyPool(name);
  };

  let admin: AdminServer | null = null;
  try {
    const proxy = await startHttpProxy(config, resolved);
    admin = config.adminListen ? await startAdminServer(config.adminListen, pools) : null;
    logger.info(
      { mode: config.mode, listen: formatHostPort(config.listen), workers: config.workers, pools: [...pools.keys()], admin: config.adminListen && formatHostPort(config.adminListen) },
      'fulcrum is serving',
    );
    return {
      async stop(deadlineMs: number) {
        await admin?.close();
        const summaries = await proxy.drain(deadlineMs);
        releasePools();
        logger.info({ requests: summaries.reduce((sum, summary) => sum + summary.requests, 0) }, 'fulcrum stopped');
      },
    };
  } catch (error) {
    await admin?.close();
    releasePools();
    throw error;
  }
}
