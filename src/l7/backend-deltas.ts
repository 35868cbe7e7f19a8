// What one L7 worker gathered per backend since its last flush to the main thread (worker thread): the
// shared half of its latency histograms and retry counts, which differ only in what a backend holds.

/** pool name → backend index → what was gathered for that backend. */
export type BackendDelta<Value> = Record<string, Record<number, Value>>;

export class BackendDeltas<Value> {
  private pending: BackendDelta<Value> = {};
  private empty = true;

  /** The pool's entries, to add to; marks the delta as holding something. */
  protected pool(pool: string): Record<number, Value> {
    this.empty = false;
    return (this.pending[pool] ??= {});
  }

  /** What was gathered since the last take, or null when nothing was. */
  take(): BackendDelta<Value> | null {
    if (this.empty) return null;
    const delta = this.pending;
    this.pending = {};
    this.empty = true;
    return delta;
  }
}
