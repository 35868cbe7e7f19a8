// The configuration of one balancer pool, as createPool/updatePool take it (validated natively).

/** Every algorithm name, as the config accepts it and the native table (native/balancer/pool_options.cc) parses it. */
export const ALGORITHMS = [
  'round-robin',
  'weighted-round-robin',
  'least-connections',
  'weighted-least-connections',
  'consistent-hash',
  'power-of-two',
  'least-latency',
] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export type RingKind = 'maglev' | 'ketama';

export interface BackendOptions {
  /** Numeric "ip:port" or "[ipv6]:port"; resolve host names before calling. */
  address: string;
  /** Integer 1..256; default 1. */
  weight?: number;
}

export interface PoolOptions {
  /** Process-wide name: workers attach to the pool with openPool(name). */
  name: string;
  /** Default 'round-robin'. */
  algorithm?: Algorithm;
  /** Ring for 'consistent-hash'; default 'maglev'. */
  ringKind?: RingKind;
  /** Prime Maglev table size; default 65537, at least 10x the backend count. */
  maglevTableSize?: number;
  /** Bounded loads for 'consistent-hash', in percent (125..200 recommended); 0 or absent = off. */
  balanceFactor?: number;
  /** Half-life (ms) of every backend's latency peak-EWMA ('least-latency', and ewmaMs in stats); default 1000. */
  latencyHalfLifeMs?: number;
  backends: readonly BackendOptions[];
}
