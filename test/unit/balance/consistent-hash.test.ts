// Consistent hashing: agreement between separately built tables, ketama compatibility, movement, bounded loads.
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Pool, RingKind } from '../../../src/balance/index.js';
import { backends, destroyPools, pool } from './pool-fixture.js';

afterAll(destroyPools);

const keys = Array.from({ length: 20_000 }, (_, key) => `client-${key}`);

function addressesFor(target: Pool, key: string | Uint8Array): string {
  const index = target.pick(key);
  target.release(index);
  return target.address(index);
}

describe.each(['maglev', 'ketama'] as const)('%s ring', (ringKind: RingKind) => {
  it('sends a key to the same backend in two separately built tables (members in any order)', () => {
    const members = backends(12, [1, 2, 3, 1, 1, 2, 1, 1, 3, 1, 1, 1]);
    const first = pool({ algorithm: 'consistent-hash', ringKind, backends: members });
    const second = pool({ algorithm: 'consistent-hash', ringKind, backends: [...members].reverse() });
    for (const key of keys.slice(0, 2_000)) expect(addressesFor(second, key)).toBe(addressesFor(first, key));
  });

  it('hashes a string key as its UTF-8 bytes', () => {
    const target = pool({ algorithm: 'consistent-hash', ringKind, backends: backends(16) });
    for (const key of ['plain', 'ünïcødé', '🙂 emoji', 'x'.repeat(600)]) {
      expect(addressesFor(target, key)).toBe(addressesFor(target, Buffer.from(key, 'utf8')));
    }
  });

  it('moves about 1/N of keys (ketama) or at most 2/N (maglev) when 1 of N backends is removed', () => {
    const count = 20;
    const members = backends(count);
    const before = pool({ algorithm: 'consistent-hash', ringKind, backends: members });
    const after = pool({ algorithm: 'consistent-hash', ringKind, backends: members.filter((_, position) => position !== 7) });
    const moved = keys.filter((key) => addressesFor(before, key) !== addressesFor(after, key)).length / keys.length;
    const ideal = 1 / count;
    expect(moved).toBeGreaterThan(ideal * 0.7);
    expect(moved).toBeLessThan(ringKind === 'ketama' ? ideal * 1.35 : ideal * 2);
  });
});

describe('ketama compatibility', () => {
  // Reference libketama placement computed with Node's own MD5: 40 digests per weight unit of
  // "address-n", four little-endian points per digest; a key goes to the first point >= MD5(key)[0..3].
  function referenceOwner(addresses: string[], key: string): string {
    const points: { point: number; address: string }[] = [];
    for (const address of addresses) {
      for (let digestNumber = 0; digestNumber < 40; digestNumber += 1) {
        const digest = createHash('md5').update(`${address}-${digestNumber}`).digest();
        for (let quarter = 0; quarter < 4; quarter += 1) points.push({ point: digest.readUInt32LE(quarter * 4), address });
      }
    }
    points.sort((a, b) => a.point - b.point || (a.address < b.address ? -1 : 1));
    const keyPoint = createHash('md5').update(key).digest().readUInt32LE(0);
    return (points.find((entry) => entry.point >= keyPoint) ?? points[0])!.address;
  }

  it('places keys exactly as libketama does', () => {
    const members = backends(7);
    const target = pool({ algorithm: 'consistent-hash', ringKind: 'ketama', backends: members });
    const addresses = members.map((member) => member.address);
    for (const key of keys.slice(0, 500)) expect(addressesFor(target, key)).toBe(referenceOwner(addresses, key));
  });
});

describe('bounded loads', () => {
  it.each([125, 150, 200])('keep every backend at or under its cap (factor %i%%) even when every key is the same', (factor) => {
    const weights = [1, 2, 1, 3, 1];
    const target = pool({ algorithm: 'consistent-hash', balanceFactor: factor, backends: backends(5, weights) });
    const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
    const held: number[] = [];
    for (let pick = 0; pick < 1_000; pick += 1) {
      held.push(target.pick(pick % 3 === 0 ? 'hot-key' : `key-${pick % 7}`));
      const snapshot = target.snapshot();
      for (const backend of snapshot.backends) {
        const cap = Math.ceil((snapshot.activeTotal * factor * backend.weight) / (100 * totalWeight));
        expect(backend.activeConnections).toBeLessThanOrEqual(cap);
      }
    }
    for (const index of held) target.release(index);
  });

  it('leaves a key on its own backend while that backend is under its cap', () => {
    const target = pool({ algorithm: 'consistent-hash', balanceFactor: 150, backends: backends(4) });
    const home = target.pick('sticky');
    target.release(home);
    for (let pick = 0; pick < 10; pick += 1) {
      const index = target.pick('sticky');
      expect(index).toBe(home);
      target.release(index);
    }
  });
});
