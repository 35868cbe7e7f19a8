// The health of one backend as the control plane sees it: active-check streak, passive ejection, admin
// override, and the native state they add up to. Main thread only.
import type { BackendState } from '../balance/index.js';
import type { CheckResult } from './active-check.js';

export type AdminState = 'enabled' | 'draining' | 'disabled';

export interface CheckRecord extends CheckResult {
  at: string;
}

const HISTORY_LENGTH = 10;

export class BackendHealth {
  readonly index: number;
  readonly address: string;
  admin: AdminState = 'enabled';
  /** Active checks' verdict; starts up so traffic flows at once, as HAProxy does. */
  activeUp = true;
  /** Consecutive results agreeing against the current verdict (toward rise or fall). */
  streak = 0;
  ejectedUntil = 0;
  ejections = 0;
  lastEjectionEnded = 0;
  /** consecutiveFailures the native table showed when the last ejection ended: only new failures count. */
  failureBaseline = 0;
  readonly history: CheckRecord[] = [];

  constructor(index: number, address: string) {
    this.index = index;
    this.address = address;
  }

  get ejected(): boolean {
    return this.ejectedUntil > 0;
  }

  /** Records a check; returns true when it flipped the active verdict. */
  recordCheck(result: CheckResult, rise: number, fall: number): boolean {
    this.history.push({ ...result, at: new Date().toISOString() });
    if (this.history.length > HISTORY_LENGTH) this.history.shift();
    if (result.ok === this.activeUp) {
      this.streak = 0;
      return false;
    }
    this.streak++;
    if (this.streak < (this.activeUp ? fall : rise)) return false;
    this.activeUp = !this.activeUp;
    this.streak = 0;
    return true;
  }

  /** Between states: some results disagree with the verdict, not yet enough to flip it. */
  get changing(): boolean {
    return this.streak > 0;
  }

  /** What the native table should say: an admin override first, then both kinds of check must agree. */
  get state(): BackendState {
    if (this.admin === 'disabled') return 'disabled';
    if (this.admin === 'draining') return 'draining';
    return this.activeUp && !this.ejected ? 'up' : 'down';
  }
}
