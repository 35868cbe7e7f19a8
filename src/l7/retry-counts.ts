// Retries per backend: each L7 worker counts the requests it retried away from a backend (the one that
// failed them) and ships the counts to the main thread as deltas, beside its latency histograms.

import { type BackendDelta, BackendDeltas } from './backend-deltas.js';

/** pool name → backend index → retries since the last delta. */
export type RetryDelta = BackendDelta<number>;

/** One worker's retries since its last flush (worker thread). */
export class RetryCounter extends BackendDeltas<number> {
  /** A request failed on this backend and was sent to another one. */
  count(pool: string, backendIndex: number): void {
    const byBackend = this.pool(pool);
    byBackend[backendIndex] = (byBackend[backendIndex] ?? 0) + 1;
  }
}

/** Every worker's retries since start, summed (main thread). */
export class RetryTotals {
  private readonly totals = new Map<string, number>();

  add(delta: RetryDelta): void {
    for (const [pool, byBackend] of Object.entries(delta)) {
      for (const [index, count] of Object.entries(byBackend)) {
        const key = `${pool}/${index}`;
        this.totals.set(key, (this.totals.get(key) ?? 0) + count);
      }
    }
  }

  of(pool: string, backendIndex: number): number {
    return this.totals.get(`${pool}/${backendIndex}`) ?? 0;
  }
}
