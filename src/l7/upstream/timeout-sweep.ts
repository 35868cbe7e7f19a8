// One coarse timer for the response and idle timeouts of a backend's upstream connections (one worker thread).
// Node's socket.setTimeout would cost two re-armed timers per exchange (response, then idle) and a timer
// refresh on every read and write; here a read or write only stores a number, and one interval checks them all.

/** A connection the sweep watches. `quietSince` and `limitMs` are read on every tick. */
export interface SweptConnection {
  /** The sweep's clock when the connection last read or wrote (or began waiting). */
  quietSince: number;
  /** How long it may stay quiet in its current phase (awaiting the head, mid-response, idle in the pool). */
  limitMs: number;
  onTimeout(): void;
}

/** Ticks this many times per shortest timeout: a timeout fires between its limit and limit + 2 ticks. */
const TICKS_PER_TIMEOUT = 10;
const MIN_TICK_MS = 5;
const MAX_TICK_MS = 1_000;

export class TimeoutSweep {
  /** Coarse clock (performance.now() at the last tick, or at start); never ahead of real time. */
  now = performance.now();
  private readonly tickMs: number;
  private readonly watched = new Set<SweptConnection>();
  private timer: NodeJS.Timeout | null = null;

  constructor(shortestTimeoutMs: number) {
    this.tickMs = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, Math.floor(shortestTimeoutMs / TICKS_PER_TIMEOUT)));
  }

  watch(connection: SweptConnection): void {
    this.watched.add(connection);
    if (this.timer) return;
    this.now = performance.now();
    // Unref'd like Node's own socket timers: a pending timeout never keeps the worker alive by itself.
    this.timer = setInterval(() => this.tick(), this.tickMs).unref();
  }

  unwatch(connection: SweptConnection): void {
    this.watched.delete(connection);
    if (this.watched.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    this.now = performance.now();
    // quietSince may lag the real moment by up to a tick, so one tick is added before calling it quiet too long.
    for (const connection of this.watched) {
      if (this.now - connection.quietSince >= connection.limitMs + this.tickMs) connection.onTimeout();
    }
  }
}
