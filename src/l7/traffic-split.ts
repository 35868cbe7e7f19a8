// Chooses the arm of a split route for one request (forced, sticky by key, or by weight) and counts it.
// One instance per split route per worker thread.
import type { SplitConfig } from '../config/l7-types.js';
import { cookieValue } from './cookies.js';

export interface SplitRequest {
  clientAddress: string;
  header(name: string): string;
}

/** FNV-1a then murmur3's finalizer: the same key always lands on the same arm, keys spread evenly. */
function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

export class TrafficSplit {
  private readonly config: SplitConfig;
  private readonly totalWeight: number;
  /** Smooth weighted round robin state (nginx's): exact ratios per worker for requests without a key. */
  private readonly currentWeights: number[];
  private readonly counters: Float64Array;
  private readonly counterOffset: number;

  /** `counters` is this worker's row; this split's arms sit at `counterOffset`. */
  constructor(config: SplitConfig, counters: Float64Array, counterOffset: number) {
    this.config = config;
    this.totalWeight = config.arms.reduce((sum, arm) => sum + arm.weight, 0);
    this.currentWeights = config.arms.map(() => 0);
    this.counters = counters;
    this.counterOffset = counterOffset;
  }

  /** The pool name of the arm this request goes to. */
  choose(request: SplitRequest): string {
    const arm = this.forcedArm(request) ?? this.keyedArm(request) ?? this.weightedArm();
    this.counters[this.counterOffset + arm] = (this.counters[this.counterOffset + arm] as number) + 1;
    return (this.config.arms[arm] as { pool: string }).pool;
  }

  private forcedArm(request: SplitRequest): number | null {
    const { forceHeader, forceCookie, arms } = this.config;
    const named =
      (forceHeader !== null ? request.header(forceHeader) : '') ||
      (forceCookie !== null ? cookieValue(request.header('cookie'), forceCookie) : '');
    if (named === '') return null;
    const index = arms.findIndex((arm) => arm.pool === named);
    return index === -1 ? null : index;
  }

  private keyedArm(request: SplitRequest): number | null {
    const { key } = this.config;
    if (key === null) return null;
    const value =
      key.kind === 'ip'
        ? request.clientAddress
        : key.kind === 'header'
          ? request.header(key.name)
          : cookieValue(request.header('cookie'), key.name);
    if (value === '') return null;
    let point = hashKey(value) % this.totalWeight;
    const { arms } = this.config;
    for (let index = 0; index < arms.length; index++) {
      point -= (arms[index] as { weight: number }).weight;
      if (point < 0) return index;
    }
    return arms.length - 1;
  }

  private weightedArm(): number {
    const { arms } = this.config;
    let best = 0;
    for (let index = 0; index < arms.length; index++) {
      const current = (this.currentWeights[index] as number) + (arms[index] as { weight: number }).weight;
      this.currentWeights[index] = current;
      if (current > (this.currentWeights[best] as number)) best = index;
    }
    this.currentWeights[best] = (this.currentWeights[best] as number) - this.totalWeight;
    return best;
  }
}
