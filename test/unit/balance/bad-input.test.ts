// Bad input gets a FulcrumError with code FULCRUM_ERR_BALANCER and a message that says what to fix; never a crash.
import { afterAll, describe, expect, it } from 'vitest';
import { createPool, openPool, type PoolOptions, updatePool } from '../../../src/balance/index.js';
import { FulcrumError } from '../../../src/errors.js';
import { backends, destroyPools, pool } from './pool-fixture.js';

afterAll(destroyPools);

function expectBalancerError(action: () => unknown, message: RegExp): void {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(FulcrumError);
    expect((error as FulcrumError).code).toBe('FULCRUM_ERR_BALANCER');
    expect((error as FulcrumError).message).toMatch(message);
    return;
  }
  throw new Error('expected a FULCRUM_ERR_BALANCER error');
}

const badPools: { name: string; options: Omit<PoolOptions, 'name'>; message: RegExp }[] = [
  { name: 'empty pool', options: { backends: [] }, message: /backends is empty/ },
  {
    name: 'weight 0',
    options: { backends: [{ address: '10.0.0.1:80', weight: 0 }] },
    message: /weight must be an integer from 1 to 256, got 0/,
  },
  { name: 'negative weight', options: { backends: [{ address: '10.0.0.1:80', weight: -3 }] }, message: /got -3/ },
  { name: 'NaN weight', options: { backends: [{ address: '10.0.0.1:80', weight: Number.NaN }] }, message: /got NaN/ },
  { name: 'fractional weight', options: { backends: [{ address: '10.0.0.1:80', weight: 1.5 }] }, message: /integer/ },
  { name: 'huge weight', options: { backends: [{ address: '10.0.0.1:80', weight: 1e9 }] }, message: /1 to 256/ },
  { name: 'host name address', options: { backends: [{ address: 'example.com:80' }] }, message: /numeric "ip:port"/ },
  { name: 'port 0', options: { backends: [{ address: '10.0.0.1:0' }] }, message: /port from 1 to 65535/ },
  { name: 'duplicate address', options: { backends: [{ address: '10.0.0.1:80' }, { address: '10.0.0.1:80' }] }, message: /listed twice/ },
  { name: 'unknown algorithm', options: { algorithm: 'random' as never, backends: backends(1) }, message: /algorithm must be one of/ },
  { name: 'unknown ring', options: { ringKind: 'jump' as never, backends: backends(1) }, message: /maglev.*ketama/ },
  { name: 'non-prime table', options: { algorithm: 'consistent-hash', maglevTableSize: 65536, backends: backends(1) }, message: /prime/ },
  { name: 'table too small', options: { algorithm: 'consistent-hash', maglevTableSize: 13, backends: backends(5) }, message: /too small/ },
  { name: 'balance factor 50', options: { balanceFactor: 50, backends: backends(1) }, message: /balanceFactor/ },
  {
    name: 'ketama ring too large',
    options: { algorithm: 'consistent-hash', ringKind: 'ketama', backends: backends(200, new Array(200).fill(256)) },
    message: /lower the weights or use the maglev ring/,
  },
];

describe('pool options', () => {
  it.each(badPools)('rejects $name', ({ options, message }) => {
    expectBalancerError(() => pool(options), message);
  });

  it('rejects a second pool with the same name, and unknown names', () => {
    const target = pool({ backends: backends(1) });
    expectBalancerError(() => createPool({ name: target.name, backends: backends(1) }), /already exists/);
    expectBalancerError(() => openPool('no-such-pool'), /no pool named "no-such-pool"/);
    expectBalancerError(() => updatePool('no-such-pool', { backends: backends(1) }), /create it first/);
  });

  it('leaves a pool unchanged when an update is rejected', () => {
    const target = pool({ backends: backends(2) });
    expectBalancerError(() => updatePool(target.name, { backends: [] }), /empty/);
    expect(target.snapshot().backends.filter((backend) => backend.inPool)).toHaveLength(2);
  });
});

describe('pool calls', () => {
  const target = pool({ algorithm: 'consistent-hash', backends: backends(2) });

  it.each([
    ['unknown index on release', () => target.release(7), /no backend index 7 \(valid: 0 to 1\)/],
    ['negative index on setState', () => target.setState(-2, 'down'), /no backend index -2/],
    ['unknown avoid', () => target.pick('k', 99), /no backend index 99/],
    ['fractional avoid', () => target.pick('k', 0.5), /avoid must be an integer/],
    ['unknown state', () => target.setState(0, 'sleeping' as never), /not one of up, down, draining, disabled/],
    ['unknown outcome', () => target.release(0, 'meh' as never), /not one of success/],
    ['NaN weight', () => target.setWeight(0, Number.NaN), /got NaN/],
    ['weight 0', () => target.setWeight(0, 0), /got 0/],
    ['effective weight above weight', () => target.setEffectiveWeight(0, 2), /above backend 0's weight 1/],
    ['key of the wrong type', () => target.pick({ user: 1 } as never), /string, a Buffer\/Uint8Array/],
    ['huge string key', () => target.pick('x'.repeat(70_000)), /at most 65536 bytes/],
    ['huge Buffer key', () => target.pick(Buffer.alloc(1 << 20)), /at most 65536 bytes/],
    ['double release', () => target.release(0), /no active connection to release/],
  ] as const)('%s', (_name, action, message) => {
    expectBalancerError(action, message);
  });

  it('accepts keys up to the limit, empty keys and multi-byte strings', () => {
    for (const key of ['', 'é'.repeat(300), 'k'.repeat(65_536), Buffer.alloc(0), new Uint8Array(65_536)]) {
      const index = target.pick(key);
      expect([0, 1]).toContain(index);
      target.release(index);
    }
  });
});
