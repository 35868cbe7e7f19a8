// Per-backend response-time histograms kept by one L7 worker and shipped to the main thread every
// second as deltas, so /stats can report percentiles without any shared state on the hot path.

import { type BackendDelta, BackendDeltas } from './backend-deltas.js';

/** Upper bounds (ms) of the histogram buckets; the last bucket takes everything slower. */
// biome-ignore format: the bucket bounds read as one scale on one line.
export const LATENCY_BUCKETS_MS = [0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1_000, 2_000, 5_000, 10_000, 30_000, Infinity];

/** pool name → backend index → counts per bucket. */
export type LatencyDelta = BackendDelta<number[]>;

export class LatencyRecorder extends BackendDeltas<number[]> {
  record(pool: string, backendIndex: number, milliseconds: number): void {
    const byBackend = this.pool(pool);
    const counts = (byBackend[backendIndex] ??= new Array<number>(LATENCY_BUCKETS_MS.length).fill(0));
    let bucket = 0;
    while (milliseconds > (LATENCY_BUCKETS_MS[bucket] as number)) bucket++;
    counts[bucket] = (counts[bucket] as number) + 1;
  }
}
