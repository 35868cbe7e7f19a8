// Least connections and its weighted form: choices follow the live active counts.
import { afterAll, describe, expect, it } from 'vitest';
import { backends, destroyPools, pool } from './pool-fixture.js';

afterAll(destroyPools);

describe('least connections', () => {
  it('sends each pick to the backend with the fewest active connections', () => {
    const target = pool({ algorithm: 'least-connections', backends: backends(3) });
    const held = [target.pick(), target.pick(), target.pick()];
    expect([...held].sort()).toEqual([0, 1, 2]);
    target.release(held[1] ?? -1);
    const freed = held[1];
    expect(target.pick()).toBe(freed);
    for (const index of [held[0], held[2], freed]) target.release(index ?? -1);
    expect(target.snapshot().backends.map((backend) => backend.activeConnections)).toEqual([0, 0, 0]);
  });

  it('ignores weights (use weighted-least-connections for that)', () => {
    const target = pool({ algorithm: 'least-connections', backends: backends(2, [10, 1]) });
    const picks = Array.from({ length: 100 }, () => target.pick());
    const counts = target.snapshot().backends.map((backend) => backend.activeConnections);
    expect(counts).toEqual([50, 50]);
    for (const index of picks) target.release(index);
  });
});

describe('weighted least connections', () => {
  it('keeps (active + 1) / weight level: weights 3:1 hold connections 3:1', () => {
    const target = pool({ algorithm: 'weighted-least-connections', backends: backends(2, [3, 1]) });
    const picks = Array.from({ length: 400 }, () => target.pick());
    const counts = target.snapshot().backends.map((backend) => backend.activeConnections);
    expect(counts[0]).toBeGreaterThanOrEqual(299);
    expect(counts[0]).toBeLessThanOrEqual(301);
    for (const index of picks) target.release(index);
  });

  it('counts failures per outcome and resets the streak on success', () => {
    const target = pool({ algorithm: 'weighted-least-connections', backends: backends(1) });
    for (const outcome of ['timeout', 'reset', 'client-aborted'] as const) target.release(target.pick(), outcome);
    let backend = target.snapshot().backends[0];
    expect(backend?.failures).toBe(2);
    expect(backend?.consecutiveFailures).toBe(2);
    target.release(target.pick(), 'success');
    backend = target.snapshot().backends[0];
    expect(backend?.consecutiveFailures).toBe(0);
    expect(backend?.totalPicks).toBe(4);
  });
});
