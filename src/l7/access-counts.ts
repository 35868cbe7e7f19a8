// Access-rule verdicts by rule name: each L7 worker counts the requests its rules allowed and denied, and
// ships the counts to the main thread as deltas every second, beside its retries; /stats and /metrics read
// the totals.

/** rule name → [allowed, denied] since the last delta. */
export type AccessDelta = Record<string, [allowed: number, denied: number]>;

/** One worker's verdicts since its last flush (worker thread). */
export class AccessCounter {
  private counts: AccessDelta = {};
  private empty = true;

  count(rule: string, denied: boolean): void {
    const pair = (this.counts[rule] ??= [0, 0]);
    pair[denied ? 1 : 0]++;
    this.empty = false;
  }

  /** The counts since the last take, or null when there were none. */
  take(): AccessDelta | null {
    if (this.empty) return null;
    const counts = this.counts;
    this.counts = {};
    this.empty = true;
    return counts;
  }
}

/** Every worker's verdicts since start, summed (main thread). */
export class AccessTotals {
  private readonly totals = new Map<string, { allowed: number; denied: number }>();

  add(delta: AccessDelta): void {
    for (const [rule, [allowed, denied]] of Object.entries(delta)) {
      const total = this.totals.get(rule) ?? { allowed: 0, denied: 0 };
      total.allowed += allowed;
      total.denied += denied;
      this.totals.set(rule, total);
    }
  }

  byRule(): Record<string, { allowed: number; denied: number }> {
    return Object.fromEntries(this.totals);
  }
}
