// A pool as one L7 worker sees it: the shared native balancer for picking, plus this thread's
// upstream connections (HTTP/1.1 keep-alive, or HTTP/2 sessions) to each backend, and the pool's L7 options (Host rewrite, sticky cookie).

import { type BalancerPool, type Outcome, openPool } from '../balance/index.js';
import type { HashKey } from '../config/types.js';
import type { UpstreamProtocol, UpstreamTlsConfig } from '../config/upstream-protocol.js';
import { StickyBackends } from './sticky-backends.js';
import { H2SessionPool } from './upstream/h2-session-pool.js';
import type { UpstreamSource } from './upstream/link.js';
import { UpstreamPool } from './upstream/pool.js';
import type { ExchangeTimeouts } from './upstream/upstream-error.js';

export interface WorkerPoolSpec {
  name: string;
  hashKey: HashKey;
  usesKey: boolean;
  hostRewrite: string | null;
  stickyCookie: string | null;
  /** Pool that takes this one's requests while it has no backend up. */
  backup: string | null;
  /** 5xx answers count as failures for passive health (outlierDetection.include5xx). */
  countServerErrors: boolean;
  /** A response head later than this after the request was sent counts as a failure (outlierDetection.slowResponse); 0 = off. */
  slowResponseMs: number;
  protocol: UpstreamProtocol;
  upstreamTls: UpstreamTlsConfig | null;
}

export interface UpstreamSettings {
  maxSocketsPerBackend: number;
  connectTimeoutMs: number;
  timeouts: ExchangeTimeouts;
  /** Tries per request: 1 + FULCRUM_RETRIES. */
  maxAttempts: number;
}

export class WorkerPool {
  readonly name: string;
  // Not readonly: a hot reload changes them in place, keeping the pool's upstream connections.
  hashKey: HashKey | null = null;
  hostRewrite: string | null = null;
  sticky: StickyBackends | null = null;
  backupName: string | null = null;
  backup: WorkerPool | null = null;
  countServerErrors = false;
  slowResponseMs = 0;
  protocol: UpstreamProtocol = 'http/1.1';
  private upstreamTls: UpstreamTlsConfig | null = null;
  /** Tries per request, so one dead backend costs a retry rather than an error. */
  readonly maxAttempts: number;
  private readonly balancer: BalancerPool;
  private readonly settings: UpstreamSettings;
  /** By backend index. Indices are stable for a pool's life, so backends added by a reload simply appear here. */
  private upstreams: UpstreamSource[] = [];

  constructor(spec: WorkerPoolSpec, settings: UpstreamSettings) {
    this.name = spec.name;
    this.settings = settings;
    this.maxAttempts = settings.maxAttempts;
    this.balancer = openPool(spec.name);
    this.reconfigure(spec);
  }

  get connectTimeoutMs(): number {
    return this.settings.connectTimeoutMs;
  }

  /** Hot reload of the same pool: new options for new requests; upstream connections are kept unless the protocol changed. */
  reconfigure(spec: WorkerPoolSpec): this {
    if (spec.protocol !== this.protocol || JSON.stringify(spec.upstreamTls) !== JSON.stringify(this.upstreamTls)) {
      // Open exchanges finish on the old connections, which close as they end; new requests open new ones.
      const previous = this.upstreams;
      this.upstreams = [];
      for (const upstream of previous) upstream?.retire();
      this.protocol = spec.protocol;
      this.upstreamTls = spec.upstreamTls;
    }
    this.hashKey = spec.usesKey ? spec.hashKey : null;
    this.hostRewrite = spec.hostRewrite;
    this.backupName = spec.backup;
    this.countServerErrors = spec.countServerErrors;
    this.slowResponseMs = spec.slowResponseMs;
    if (spec.stickyCookie === null) this.sticky = null;
    else if (this.sticky?.cookieName !== spec.stickyCookie) this.sticky = new StickyBackends(this.balancer, spec.stickyCookie);
    return this;
  }

  /** Resolves the backup pool by name once the worker's pools are all built (after start or a reload). */
  linkBackup(pools: ReadonlyMap<string, WorkerPool>): void {
    this.backup = this.backupName === null ? null : (pools.get(this.backupName) ?? null);
  }

  /** A backend index counted as active until released, or -1. `pinned` (sticky) is taken if it is still up. */
  pick(key: string | undefined, avoid: number, pinned: number): number {
    if (pinned >= 0) {
      const index = this.balancer.pickPinned(pinned);
      if (index >= 0) return index;
    }
    return this.balancer.pick(key, avoid);
  }

  /** latencyMs: the exchange's time to the response head (or a failure's penalty), for least-latency. */
  release(index: number, outcome: Outcome, latencyMs?: number): void {
    this.balancer.release(index, outcome, latencyMs);
  }

  /** The backend's "ip:port" (or "[ipv6]:port"). */
  address(index: number): string {
    return this.balancer.address(index);
  }

  upstream(index: number): UpstreamSource {
    return this.upstreams[index] ?? this.openUpstream(index);
  }

  private openUpstream(index: number): UpstreamSource {
    const { host, port } = splitAddress(this.balancer.address(index));
    const options = {
      host,
      port,
      maxSockets: this.settings.maxSocketsPerBackend,
      connectTimeoutMs: this.settings.connectTimeoutMs,
      timeouts: this.settings.timeouts,
    };
    const upstream = this.protocol === 'http/1.1' ? new UpstreamPool(options) : new H2SessionPool({ ...options, tls: this.upstreamTls });
    this.upstreams[index] = upstream;
    return upstream;
  }

  close(): void {
    for (const upstream of this.upstreams) upstream?.close();
  }
}

/** "ip:port" or "[ipv6]:port", as the balancer stores addresses. */
export function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(address.slice(colon + 1)) };
}
