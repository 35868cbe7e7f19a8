// One list of algorithm names (src/balance/pool-options.ts): the config accepts exactly what the native
// table parses, and the native error for an unknown name lists the same names in the same order.
import { afterAll, expect, it } from 'vitest';
import { ALGORITHMS } from '../../../src/balance/pool-options.js';
import { backends, destroyPools, pool } from './pool-fixture.js';

afterAll(destroyPools);

it.each(ALGORITHMS)('the native table builds a %s pool', (algorithm) => {
  expect(pool({ algorithm, backends: backends(2) }).snapshot().algorithm).toBe(algorithm);
});

it('the native error for an unknown algorithm lists the same names', () => {
  expect(() => pool({ algorithm: 'random' as never, backends: backends(1) })).toThrow(
    `pool option algorithm must be one of ${ALGORITHMS.join(', ')}`,
  );
});
