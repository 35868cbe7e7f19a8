// One interval timer for many watched items of one worker thread, running only while something is
// watched, with a coarse clock the items read instead of calling performance.now() on each read or write.
// The upstream timeouts (upstream/timeout-sweep.ts) and the client timeouts (client-sweep.ts) build on it.

/** Ticks this many times per shortest timeout: a timeout fires between its limit and limit + 2 ticks. */
const TICKS_PER_TIMEOUT = 10;
const MAX_TICK_MS = 1_000;

export abstract class CoarseSweep<Item> {
  /** Coarse clock (performance.now() at the last tick, or when the timer started); never ahead of real time. */
  now = performance.now();
  readonly tickMs: number;
  protected readonly watched = new Set<Item>();
  private timer: NodeJS.Timeout | null = null;

  constructor(shortestTimeoutMs: number, minTickMs: number) {
    this.tickMs = Math.min(MAX_TICK_MS, Math.max(minTickMs, Math.floor(shortestTimeoutMs / TICKS_PER_TIMEOUT)));
  }

  watch(item: Item): void {
    this.watched.add(item);
    if (this.timer) return;
    this.now = performance.now();
    // Unref'd like Node's own socket timers: a pending timeout never keeps the worker alive by itself.
    this.timer = setInterval(() => {
      this.now = performance.now();
      this.sweep();
    }, this.tickMs).unref();
  }

  unwatch(item: Item): void {
    this.watched.delete(item);
    if (this.watched.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  /** One tick over the watched items; `now` is fresh. */
  protected abstract sweep(): void;
}
