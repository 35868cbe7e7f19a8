// Access-rule, rate-limit and cap verdicts by name: each L7 worker counts the requests its rules allowed,
// denied, limited, delayed or capped, and ships the counts to the main thread as deltas every second, beside
// its retries; /stats and /metrics read the totals.

export const VERDICTS = ['allowed', 'denied', 'limited', 'delayed', 'capped'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** rule (or limit) name → counts since the last delta, in VERDICTS order. */
export type AccessDelta = Record<string, number[]>;

const SLOT = Object.fromEntries(VERDICTS.map((verdict, slot) => [verdict, slot])) as Record<Verdict, number>;

/** One worker's verdicts since its last flush (worker thread). */
export class AccessCounter {
  private counts: AccessDelta = {};
  private empty = true;

  count(rule: string, verdict: Verdict): void {
    const counts = (this.counts[rule] ??= VERDICTS.map(() => 0));
    (counts[SLOT[verdict]] as number)++;
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
    for (const [rule, counts] of Object.entries(delta)) {
      let total = this.totals.get(rule);
      if (total === undefined) {
        total = Object.fromEntries(VERDICTS.map((verdict) => [verdict, 0])) as Record<Verdict, number>;
        this.totals.set(rule, total);
      }
      for (const verdict of VERDICTS) total[verdict] += counts[SLOT[verdict]] ?? 0;
    }
  }

  byRule(): Record<string, Record<Verdict, number>> {
    return Object.fromEntries(this.totals);
  }
}
