// One coarse timer per L7 worker for the client side of exchanges that wait on their client: a request
// body still arriving, or a response body still streaming to it. Runs on that worker's thread.
//
// uWS 20.30 has one fixed timer per HTTP connection (HTTP_IDLE_TIMEOUT_S = 10 s, in 4 s ticks, so it fires
// 8-12 s after it is armed) and closes the connection when it fires, whatever the client's progress. It arms
// it when a write to the client fails (the kernel's buffer is full: a slow reader, however steady, sees no
// writable event until it took a third of that buffer) and while a request body arrives slower than
// 16 KB/s. Each watched exchange re-arms it every few seconds, so Fulcrum's own timeouts decide, and they
// count progress: FULCRUM_CLIENT_BODY_TIMEOUT and FULCRUM_CLIENT_SEND_TIMEOUT.

/** An exchange the sweep ticks while it waits on its client. */
export interface WatchedClient {
  onClientTick(now: number): void;
}

export interface ClientTimeouts {
  /** Longest silence of a client mid-body (FULCRUM_CLIENT_BODY_TIMEOUT). */
  bodyMs: number;
  /** Longest time a client may take nothing of a response Fulcrum has for it (FULCRUM_CLIENT_SEND_TIMEOUT). */
  sendMs: number;
}

/** Re-arming uWS's timer this often keeps it from ever firing: armed, it waits at least 8 s. */
export const UWS_REARM_MS = 3_000;
const MAX_TICK_MS = 1_000;
const MIN_TICK_MS = 20;
/** Ticks per shortest timeout: a timeout fires between its limit and limit + 2 ticks. */
const TICKS_PER_TIMEOUT = 10;

export class ClientSweep {
  readonly timeouts: ClientTimeouts;
  /** Coarse clock (performance.now() at the last tick, or when the first exchange was watched). */
  now = performance.now();
  readonly tickMs: number;
  private readonly watched = new Set<WatchedClient>();
  private timer: NodeJS.Timeout | null = null;

  constructor(timeouts: ClientTimeouts) {
    this.timeouts = timeouts;
    const shortest = Math.min(timeouts.bodyMs, timeouts.sendMs);
    this.tickMs = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, Math.floor(shortest / TICKS_PER_TIMEOUT)));
  }

  watch(client: WatchedClient): void {
    this.watched.add(client);
    this.now = performance.now();
    if (this.timer) return;
    // Unref'd: a watched exchange never keeps the worker alive by itself (drain closes every socket anyway).
    this.timer = setInterval(() => this.tick(), this.tickMs).unref();
  }

  unwatch(client: WatchedClient): void {
    this.watched.delete(client);
    if (this.watched.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    this.now = performance.now();
    for (const client of this.watched) client.onClientTick(this.now);
  }
}
