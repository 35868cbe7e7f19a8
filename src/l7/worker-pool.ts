// A pool as one L7 worker sees it: the shared native balancer for picking, plus this thread's
// keep-alive upstream connections to each backend.
import type { HashKey } from '../config/types.js';
import { openPool, type BalancerPool, type Outcome } from '../balance/index.js';
import { UpstreamPool } from './upstream/pool.js';

export interface WorkerPoolSpec {
  name: string;
  hashKey: HashKey;
  usesKey: boolean;
}

export interface UpstreamSettings {
  maxSocketsPerBackend: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
}

export class WorkerPool {
  readonly name: string;
  readonly hashKey: HashKey | null;
  /** Tries per request, so one dead backend costs a retry rather than an error. */
  readonly maxAttempts = 3;
  private readonly balancer: BalancerPool;
  private readonly settings: UpstreamSettings;
  /** By backend index. Indices are stable for a pool's life, so backends added by a reload simply appear here. */
  private readonly upstreams: UpstreamPool[] = [];

  constructor(spec: WorkerPoolSpec, settings: UpstreamSettings) {
    this.name = spec.name;
    this.hashKey = spec.usesKey ? spec.hashKey : null;
    this.settings = settings;
    this.balancer = openPool(spec.name);
  }

  pick(key: string | undefined, avoid: number): number {
    return this.balancer.pick(key, avoid);
  }

  release(index: number, outcome: Outcome): void {
    this.balancer.release(index, outcome);
  }

  upstream(index: number): UpstreamPool {
    return this.upstreams[index] ?? this.openUpstream(index);
  }

  private openUpstream(index: number): UpstreamPool {
    const { host, port } = splitAddress(this.balancer.address(index));
    const upstream = new UpstreamPool({
      host,
      port,
      maxSockets: this.settings.maxSocketsPerBackend,
      connectTimeoutMs: this.settings.connectTimeoutMs,
      idleTimeoutMs: this.settings.idleTimeoutMs,
    });
    this.upstreams[index] = upstream;
    return upstream;
  }

  close(): void {
    for (const upstream of this.upstreams) upstream?.close();
  }
}

/** "ip:port" or "[ipv6]:port", as the balancer stores addresses. */
function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(address.slice(colon + 1)) };
}
