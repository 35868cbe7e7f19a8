// One coarse timer per L7 worker for the client side of exchanges that wait on their client: a request
// body still arriving, or a response body still streaming to it. Runs on that worker's thread.
//
// uWS 20.30 has one fixed timer per HTTP connection (HTTP_IDLE_TIMEOUT_S = 10 s, in 4 s ticks, so it fires
// 8-12 s after it is armed) and closes the connection when it fires, whatever the client's progress. It arms
// it when a write to the client fails (the kernel's buffer is full: a slow reader, however steady, sees no
// writable event until it took a third of that buffer) and while a request body arrives slower than
// 16 KB/s. Each watched exchange re-arms it every few seconds, so Fulcrum's own timeouts decide, and they
// count progress: FULCRUM_CLIENT_BODY_TIMEOUT and FULCRUM_CLIENT_SEND_TIMEOUT.

import { CoarseSweep } from './coarse-sweep.js';

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
const MIN_TICK_MS = 20;

export class ClientSweep extends CoarseSweep<WatchedClient> {
  readonly timeouts: ClientTimeouts;

  constructor(timeouts: ClientTimeouts) {
    super(Math.min(timeouts.bodyMs, timeouts.sendMs), MIN_TICK_MS);
    this.timeouts = timeouts;
  }

  /** The clock is refreshed for each new exchange too: it starts its silence count from `now`. */
  override watch(client: WatchedClient): void {
    super.watch(client);
    this.now = performance.now();
  }

  protected sweep(): void {
    for (const client of this.watched) client.onClientTick(this.now);
  }
}
