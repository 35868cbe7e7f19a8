// A pool as one L7 worker sees it: the shared native balancer for picking, plus this thread's
// keep-alive upstream connections to each backend.
import type { HashKey } from '../config/types.js';
import { openPool, type BalancerPool, type Outcome } from '../balance/index.js';
import { UpstreamPool } from './upstream/pool.js';

export interface WorkerPoolSpec {
  name: string;
  hashKey: HashKey;
  usesKey: boolean;
  /** Resolved numeric addresses, in the balancer's backend index order. */
  backends: { host: string; port: number }[];
}

export interface UpstreamSettings {
  maxSocketsPerBackend: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
}

export class WorkerPool {
  readonly name: string;
  readonly hashKey: HashKey | null;
  /** One try per backend, at most 3: enough to ride over a dead backend without amplifying an outage. */
  readonly maxAttempts: number;
  private readonly balancer: BalancerPool;
  private readonly upstreams: UpstreamPool[];

  constructor(spec: WorkerPoolSpec, settings: UpstreamSettings) {
    this.name = spec.name;
    this.hashKey = spec.usesKey ? spec.hashKey : null;
    this.maxAttempts = Math.min(3, spec.backends.length);
    this.balancer = openPool(spec.name);
    this.upstreams = spec.backends.map(
      (backend) =>
        new UpstreamPool({
          host: backend.host,
          port: backend.port,
          maxSockets: settings.maxSocketsPerBackend,
          connectTimeoutMs: settings.connectTimeoutMs,
          idleTimeoutMs: settings.idleTimeoutMs,
        }),
    );
  }

  pick(key: string | undefined, avoid: number): number {
    return this.balancer.pick(key, avoid);
  }

  release(index: number, outcome: Outcome): void {
    this.balancer.release(index, outcome);
  }

  upstream(index: number): UpstreamPool {
    return this.upstreams[index] as UpstreamPool;
  }

  close(): void {
    for (const upstream of this.upstreams) upstream.close();
  }
}
