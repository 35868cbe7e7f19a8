// Slow start: a backend that comes back takes traffic at a fraction of its weight, ramping to full
// over a window, so a cold server is not flooded. Main thread only.
import type { BalancerPool } from '../balance/index.js';

const STEPS = 20;
const FLOOR = 0.1;

export class SlowStart {
  private readonly pool: BalancerPool;
  private readonly ramps = new Map<number, NodeJS.Timeout>();

  constructor(pool: BalancerPool) {
    this.pool = pool;
  }

  begin(index: number, weight: number, windowMs: number): void {
    this.cancel(index, weight);
    let step = 0;
    const advance = () => {
      step++;
      const share = FLOOR + ((1 - FLOOR) * step) / STEPS;
      this.pool.setEffectiveWeight(index, Math.max(1, Math.round(weight * Math.min(1, share))));
      if (step >= STEPS) this.ramps.delete(index);
      else this.ramps.set(index, setTimeout(advance, windowMs / STEPS));
    };
    this.pool.setEffectiveWeight(index, Math.max(1, Math.round(weight * FLOOR)));
    this.ramps.set(index, setTimeout(advance, windowMs / STEPS));
  }

  /** Stops a ramp (the backend went down again) and restores the full weight for its next return. */
  cancel(index: number, weight: number): void {
    const timer = this.ramps.get(index);
    if (!timer) return;
    clearTimeout(timer);
    this.ramps.delete(index);
    this.pool.setEffectiveWeight(index, weight);
  }

  stop(): void {
    for (const timer of this.ramps.values()) clearTimeout(timer);
    this.ramps.clear();
  }
}
