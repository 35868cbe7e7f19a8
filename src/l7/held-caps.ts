// The concurrency counts one request holds (its client's, its route's) until it ends: released once,
// whichever way the exchange, WebSocket or tunnel finishes. Runs on the L7 worker thread that took them.
import type { NativeConcurrencyCounts } from '../native/addon-types.js';

export class HeldCaps {
  private readonly table: NativeConcurrencyCounts;
  private keys: string[] | null;

  constructor(table: NativeConcurrencyCounts, keys: string[]) {
    this.table = table;
    this.keys = keys;
  }

  release(): void {
    const keys = this.keys;
    if (keys === null) return;
    this.keys = null;
    for (const key of keys) this.table.release(key);
  }
}
