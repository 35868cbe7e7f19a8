// least-latency's samples through the TS face: a release carries one, snapshot() shows the EWMA, bad input is refused.
import { afterAll, describe, expect, it } from 'vitest';
import { FulcrumError } from '../../../src/errors.js';
import { backends, destroyPools, pool } from './pool-fixture.js';

afterAll(destroyPools);

describe('latency samples on release', () => {
  it('feeds the backend EWMA that snapshot() reports as ewmaMs, null before the first sample', () => {
    const target = pool({ algorithm: 'least-latency', backends: backends(3) });
    expect(target.snapshot().backends.map((backend) => backend.ewmaMs)).toEqual([null, null, null]);
    expect(target.snapshot().latencyHalfLifeMs).toBe(1000);
    for (const [index, latencyMs] of [1, 1, 40].entries()) {
      expect(target.pickPinned(index)).toBe(index);
      target.release(index, 'success', latencyMs);
    }
    const [first, , slow] = target.snapshot().backends;
    expect(first?.ewmaMs).toBeCloseTo(1, 1);
    expect(slow?.ewmaMs).toBeGreaterThan(39);
    // The slow backend loses every pair it is drawn into while nothing is held.
    const picks = Array.from({ length: 300 }, () => {
      const index = target.pick();
      target.release(index);
      return index;
    });
    expect(picks).not.toContain(2);
  });

  it('refuses a sample that is not a non-negative number before releasing anything, as a bad outcome is', () => {
    const target = pool({ algorithm: 'least-latency', backends: backends(1) });
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
      target.pick();
      expect(() => target.release(0, 'success', bad)).toThrow(FulcrumError);
      expect(() => target.release(0, 'success', bad)).toThrow(/latencyMs must be a non-negative number/);
    }
    expect(target.snapshot().backends[0]?.ewmaMs).toBeNull();
    expect(target.snapshot().backends[0]?.activeConnections).toBe(4);
  });

  it('takes the half-life from the pool options and refuses one out of range', () => {
    expect(pool({ algorithm: 'least-latency', latencyHalfLifeMs: 250, backends: backends(1) }).snapshot().latencyHalfLifeMs).toBe(250);
    expect(() => pool({ algorithm: 'least-latency', latencyHalfLifeMs: 0, backends: backends(1) })).toThrow(
      /latencyHalfLifeMs must be from 1/,
    );
  });
});
