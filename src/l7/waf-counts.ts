// WAF verdicts: each L7 worker counts the requests its WAF blocked or only detected (detect mode), and the
// rule ids that matched, and ships them to the main thread as deltas every second beside the access
// counts; /stats (dataPlane.waf) and /metrics (fulcrum_waf_*) read the totals.

export type WafVerdict = 'blocked' | 'detected';

/** Requests by verdict, and matches by rule id and verdict, since the last delta. */
export interface WafDelta {
  requests: [blocked: number, detected: number];
  rules: Record<string, [blocked: number, detected: number]>;
}

const SLOT: Record<WafVerdict, 0 | 1> = { blocked: 0, detected: 1 };

/** One worker's WAF verdicts since its last flush (worker thread). */
export class WafCounter {
  private delta: WafDelta | null = null;

  count(verdict: WafVerdict, ruleIds: readonly number[]): void {
    const delta = (this.delta ??= { requests: [0, 0], rules: {} });
    const slot = SLOT[verdict];
    delta.requests[slot]++;
    for (const id of ruleIds) (delta.rules[id] ??= [0, 0])[slot]++;
  }

  /** The counts since the last take, or null when there were none. */
  take(): WafDelta | null {
    const delta = this.delta;
    this.delta = null;
    return delta;
  }
}

export interface WafStats {
  requests: Record<WafVerdict, number>;
  rules: Record<string, Record<WafVerdict, number>>;
}

/** Every worker's WAF verdicts since start, summed (main thread). */
export class WafTotals {
  private readonly totals: WafStats = { requests: { blocked: 0, detected: 0 }, rules: {} };

  add(delta: WafDelta): void {
    this.totals.requests.blocked += delta.requests[0];
    this.totals.requests.detected += delta.requests[1];
    for (const [rule, [blocked, detected]] of Object.entries(delta.rules)) {
      const total = (this.totals.rules[rule] ??= { blocked: 0, detected: 0 });
      total.blocked += blocked;
      total.detected += detected;
    }
  }

  stats(): WafStats {
    return this.totals;
  }
}
