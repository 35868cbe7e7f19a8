// Every weighted algorithm: over many picks each backend's share follows its weight.
import { afterAll, describe, expect, it } from 'vitest';
import type { Algorithm } from '../../../src/balance/index.js';
import { backends, destroyPools, pickShares, pool } from './pool-fixture.js';

afterAll(destroyPools);

const weights = [5, 3, 1, 1];
const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
const expectedShares = weights.map((weight) => weight / totalWeight);

// release: whether each pick is released at once. Load-aware pickers only follow the weights while
// connections are held, which is the situation they are for.
const cases: { algorithm: Algorithm; release: boolean; picks: number; tolerance: number }[] = [
  { algorithm: 'weighted-round-robin', release: true, picks: 10_000, tolerance: 0.001 },
  { algorithm: 'weighted-least-connections', release: false, picks: 10_000, tolerance: 0.002 },
  { algorithm: 'power-of-two', release: false, picks: 20_000, tolerance: 0.02 },
];

describe('weighted shares over many picks', () => {
  it.each(cases)('$algorithm (release each pick: $release)', ({ algorithm, release, picks, tolerance }) => {
    const target = pool({ algorithm, backends: backends(weights.length, weights) });
    const shares = pickShares(target, picks, weights.length, release);
    for (const [index, share] of shares.entries()) expect(Math.abs(share - (expectedShares[index] ?? 0))).toBeLessThan(tolerance);
    expect(target.snapshot().activeTotal).toBe(0);
  });

  it.each(['maglev', 'ketama'] as const)('consistent-hash on a %s ring spreads random keys by weight', (ringKind) => {
    const target = pool({ algorithm: 'consistent-hash', ringKind, backends: backends(weights.length, weights) });
    const counts = new Array<number>(weights.length).fill(0);
    const keys = 40_000;
    for (let key = 0; key < keys; key += 1) {
      const index = target.pick(`user-${key}-${Math.random()}`);
      counts[index] = (counts[index] ?? 0) + 1;
      target.release(index);
    }
    // Ketama's 160 points per weight unit leave a few percent of placement noise; Maglev's table is exact.
    const tolerance = ringKind === 'maglev' ? 0.015 : 0.04;
    for (const [index, count] of counts.entries()) expect(Math.abs(count / keys - (expectedShares[index] ?? 0))).toBeLessThan(tolerance);
  });

  it('effective weight (slow start) steers shares without touching the configured weight', () => {
    const target = pool({ algorithm: 'weighted-round-robin', backends: backends(2, [4, 4]) });
    target.setEffectiveWeight(1, 1);
    const shares = pickShares(target, 5_000, 2, true);
    expect(shares[0]).toBeCloseTo(0.8, 2);
    const backend = target.snapshot().backends[1];
    expect(backend?.weight).toBe(4);
    expect(backend?.effectiveWeight).toBe(1);
  });
});
