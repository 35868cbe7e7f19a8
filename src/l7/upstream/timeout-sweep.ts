// One coarse timer for the response and idle timeouts of a backend's upstream connections (one worker thread).
// Node's socket.setTimeout would cost two re-armed timers per exchange (response, then idle) and a timer
// refresh on every read and write; here a read or write only stores a number, and one interval checks them all.
import { CoarseSweep } from '../coarse-sweep.js';

/** A connection the sweep watches. `quietSince` and `limitMs` are read on every tick. */
export interface SweptConnection {
  /** The sweep's clock when the connection last read or wrote (or began waiting). */
  quietSince: number;
  /** How long it may stay quiet in its current phase (awaiting the head, mid-response, idle in the pool). */
  limitMs: number;
  onTimeout(): void;
}

const MIN_TICK_MS = 5;

export class TimeoutSweep extends CoarseSweep<SweptConnection> {
  constructor(shortestTimeoutMs: number) {
    super(shortestTimeoutMs, MIN_TICK_MS);
  }

  protected sweep(): void {
    // quietSince may lag the real moment by up to a tick, so one tick is added before calling it quiet too long.
    for (const connection of this.watched) {
      if (this.now - connection.quietSince >= connection.limitMs + this.tickMs) connection.onTimeout();
    }
  }
}
