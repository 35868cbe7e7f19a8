// Runs the health of every pool; the admin API and hot reload reach pools' health through it. Main thread only.
import type { BalancerPool } from '../balance/index.js';
import type { PoolConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { AdminState, BackendHealth } from './backend-health.js';
import { type HealthEvents, PoolHealth } from './pool-health.js';

export class HealthMonitor {
  private readonly logger: Logger;
  private readonly pools = new Map<string, PoolHealth>();

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** Starts, reconfigures or stops pool health so that it matches `configs`. */
  reconcile(configs: PoolConfig[], pools: ReadonlyMap<string, BalancerPool>): void {
    const wanted = new Set(configs.map((config) => config.name));
    for (const [name, health] of this.pools) {
      if (!wanted.has(name)) {
        health.stop();
        this.pools.delete(name);
      }
    }
    for (const config of configs) {
      const existing = this.pools.get(config.name);
      const pool = pools.get(config.name);
      if (existing) existing.reconfigure(config);
      else if (pool) this.pools.set(config.name, new PoolHealth(config, pool, this.logger));
    }
  }

  setAdminState(pool: string, address: string, state: AdminState): boolean {
    return this.pools.get(pool)?.setAdminState(address, state) ?? false;
  }

  backend(pool: string, index: number): BackendHealth | undefined {
    return this.pools.get(pool)?.health(index);
  }

  events(pool: string): HealthEvents | undefined {
    return this.pools.get(pool)?.events;
  }

  stop(): void {
    for (const health of this.pools.values()) health.stop();
    this.pools.clear();
  }
}
