// The rules every picker follows: state, all-down, avoid, hot reload, and stable indices.
import { afterAll, describe, expect, it } from 'vitest';
import { type Algorithm, NO_BACKEND, updatePool } from '../../../src/balance/index.js';
import { backends, destroyPools, pickSequence, pool } from './pool-fixture.js';

afterAll(destroyPools);

const algorithms: Algorithm[] = [
  'round-robin',
  'weighted-round-robin',
  'least-connections',
  'weighted-least-connections',
  'power-of-two',
  'consistent-hash',
  'least-latency',
];

describe.each(algorithms)('%s', (algorithm) => {
  const keyFor = (pick: number): string | undefined => (algorithm === 'consistent-hash' ? `key-${pick}` : undefined);

  it('never picks down, draining or disabled backends', () => {
    const target = pool({ algorithm, backends: backends(5, [1, 2, 3, 1, 2]) });
    target.setState(0, 'down');
    target.setState(2, 'draining');
    target.setState(4, 'disabled');
    for (let pick = 0; pick < 500; pick += 1) {
      const index = target.pick(keyFor(pick));
      expect([1, 3]).toContain(index);
      target.release(index);
    }
  });

  it('says no backend when all are down, and recovers when one returns', () => {
    const target = pool({ algorithm, backends: backends(3) });
    for (const index of [0, 1, 2]) target.setState(index, 'down');
    expect(target.pick(keyFor(1))).toBe(NO_BACKEND);
    target.setState(1, 'up');
    expect(target.pick(keyFor(1))).toBe(1);
  });

  it('avoids the given backend unless it is the only one up', () => {
    const target = pool({ algorithm, backends: backends(3) });
    for (let pick = 0; pick < 100; pick += 1) {
      const index = target.pick(keyFor(pick), 1);
      expect(index).not.toBe(1);
      target.release(index);
    }
    target.setState(0, 'down');
    target.setState(2, 'down');
    const only = target.pick(keyFor(0), 1);
    expect(only).toBe(1);
    target.release(only);
  });
});

describe('consistent hash keys and state', () => {
  it.each(['maglev', 'ketama'] as const)('%s: a key whose backend is down moves, then moves back', (ringKind) => {
    const target = pool({ algorithm: 'consistent-hash', ringKind, backends: backends(8) });
    const home = pickSequence(target, 1, 'session-42')[0] ?? -1;
    target.setState(home, 'down');
    const moved = pickSequence(target, 3, 'session-42');
    expect(new Set(moved).size).toBe(1);
    expect(moved[0]).not.toBe(home);
    target.setState(home, 'up');
    expect(pickSequence(target, 1, 'session-42')[0]).toBe(home);
  });

  it('falls back to round robin without a key', () => {
    const target = pool({ algorithm: 'consistent-hash', backends: backends(3) });
    expect(pickSequence(target, 6)).toEqual([0, 1, 2, 0, 1, 2]);
  });
});

describe('hot reload through updatePool', () => {
  it('keeps indices and counters of kept backends, retires removed ones, reuses a re-added address', () => {
    const target = pool({ algorithm: 'round-robin', backends: backends(3) });
    const held = target.pick();
    expect(held).toBe(0);
    const [first, , third] = backends(3);
    updatePool(target.name, { algorithm: 'least-connections', backends: [third!, { address: '10.9.9.9:80' }] });
    const snapshot = target.snapshot();
    expect(snapshot.algorithm).toBe('least-connections');
    expect(snapshot.backends.map((backend) => [backend.index, backend.inPool])).toEqual([
      [0, false],
      [1, false],
      [2, true],
      [3, true],
    ]);
    expect(target.address(3)).toBe('10.9.9.9:80');
    for (let pick = 0; pick < 20; pick += 1) {
      const index = target.pick();
      expect([2, 3]).toContain(index);
      target.release(index);
    }
    target.release(held); // a release for a removed backend is still counted
    expect(target.snapshot().backends[0]?.activeConnections).toBe(0);
    expect(() => target.setState(0, 'up')).toThrow(/removed from the pool/);

    target.setState(2, 'disabled');
    updatePool(target.name, { backends: [first!, third!] });
    const readded = target.snapshot().backends;
    expect(readded[0]?.inPool).toBe(true);
    expect(readded[0]?.state).toBe('up');
    expect(readded[2]?.state).toBe('disabled');
    expect(readded).toHaveLength(4);
  });
});
