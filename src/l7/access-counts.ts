// Access-rule and rate-limit verdicts by name: each L7 worker counts the requests its rules allowed, denied
// or limited, and
// ships the counts to the main thread as deltas every second, beside its retries; /stats and /metrics read
// the totals.

export type Verdict = 'allowed' | 'denied' | 'limited';

/** rule (or rate limit) name → [allowed, denied, limited] since the last delta. */
export type AccessDelta = Record<string, [allowed: number, denied: number, limited: number]>;

const SLOT: Record<Verdict, 0 | 1 | 2> = { allowed: 0, denied: 1, limited: 2 };

/** One worker's verdicts since its last flush (worker thread). */
export class AccessCounter {
  private counts: AccessDelta = {};
  private empty = true;

  count(rule: string, verdict: Verdict): void {
    const counts = (this.counts[rule] ??= [0, 0, 0]);
    counts[SLOT[verdict]]++;
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
  private readonly totals = new Map<string, Record<Verdict, number>>();

  add(delta: AccessDelta): void {
    for (const [rule, [allowed, denied, limited]] of Object.entries(delta)) {
      const total = this.totals.get(rule) ?? { allowed: 0, denied: 0, limited: 0 };
      total.allowed += allowed;
      total.denied += denied;
      total.limited += limited;
      this.totals.set(rule, total);
    }
  }

  byRule(): Record<string, Record<Verdict, number>> {
    return Object.fromEntries(this.totals);
  }
}
