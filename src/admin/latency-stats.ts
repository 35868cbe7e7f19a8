// Merges the L7 workers' response-time histograms (main thread) and reads percentiles off them.
import { LATENCY_BUCKETS_MS, type LatencyDelta } from '../l7/latency-recorder.js';

export interface LatencyPercentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  /** Responses per LATENCY_BUCKETS_MS bucket since start, so a reader can take percentiles of any window. */
  buckets: number[];
}

export class LatencyStats {
  private readonly histograms = new Map<string, number[]>();

  add(delta: LatencyDelta): void {
    for (const [pool, byBackend] of Object.entries(delta)) {
      for (const [index, counts] of Object.entries(byBackend)) {
        const key = `${pool}/${index}`;
        const total = this.histograms.get(key) ?? new Array<number>(LATENCY_BUCKETS_MS.length).fill(0);
        counts.forEach((count, bucket) => {
          total[bucket] = (total[bucket] as number) + count;
        });
        this.histograms.set(key, total);
      }
    }
  }

  /** Percentiles as bucket upper bounds (ms): an upper estimate, exact to the bucket. */
  percentiles(pool: string, backendIndex: number): LatencyPercentiles | null {
    const counts = this.histograms.get(`${pool}/${backendIndex}`);
    if (!counts) return null;
    const count = counts.reduce((sum, value) => sum + value, 0);
    const at = (quantile: number) => {
      let seen = 0;
      for (let bucket = 0; bucket < counts.length; bucket++) {
        seen += counts[bucket] as number;
        if (seen >= quantile * count) return LATENCY_BUCKETS_MS[bucket] as number;
      }
      return Infinity;
    };
    return { count, p50: at(0.5), p90: at(0.9), p99: at(0.99), buckets: [...counts] };
  }
}
