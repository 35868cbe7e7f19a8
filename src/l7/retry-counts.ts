// Retries per backend: each L7 worker counts the requests it retried away from a backend (the one that
// failed them) and ships the counts to the main thread as deltas, beside its latency histograms.

/** pool name → backend index → retries since the last delta. */
export type RetryDelta = Record<string, Record<number, number>>;

/** One worker's retries since its last flush (worker thread). */
export class RetryCounter {
  private pending: RetryDelta = {};
  private empty = true;

  /** A request failed on this backend and was sent to another one. */
  count(pool: string, backendIndex: number): void {
    const byBackend = (this.pending[pool] ??= {});
    byBackend[backendIndex] = (byBackend[backendIndex] ?? 0) + 1;
    this.empty = false;
  }

  /** What was counted since the last take, or null when nothing was. */
  take(): RetryDelta | null {
    if (this.empty) return null;
    const delta = this.pending;
    this.pending = {};
    this.empty = true;
    return delta;
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
