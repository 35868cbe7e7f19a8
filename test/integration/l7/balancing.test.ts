// Every balancing algorithm seen through HTTP, via the real binary with one worker: RR order and weighted ratios.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRONTS, type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';

describe.each(FRONTS)('balancing algorithms through HTTP ($name front)', (front) => {
  let origins: TestOrigin[] = [];
  beforeAll(async () => {
    origins = await Promise.all(['a', 'b', 'c'].map((name) => startOrigin(name)));
  });
  afterAll(async () => {
    await Promise.all(origins.map((origin) => origin.close()));
  });

  async function withProxy(env: Record<string, string>, run: (proxy: L7Proxy) => Promise<void>): Promise<void> {
    const proxy = await startL7Proxy({ ...front.env, ...env });
    try {
      await run(proxy);
    } finally {
      await proxy.stop();
    }
  }

  async function names(proxy: L7Proxy, count: number, headers: (index: number) => Record<string, string> = () => ({})): Promise<string[]> {
    const seen: string[] = [];
    for (let index = 0; index < count; index++) seen.push((await send(`${proxy.url}/`, { headers: headers(index) })).body);
    return seen;
  }

  function tally(seen: string[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const name of seen) counts[name] = (counts[name] ?? 0) + 1;
    return counts;
  }

  const backends = () => origins.map((origin) => origin.address).join(',');
  const weighted = () => origins.map((origin, index) => `${origin.address}*${[3, 2, 1][index]}`).join(',');

  it('round-robin visits the backends in order', async () => {
    await withProxy({ FULCRUM_BACKENDS: backends(), FULCRUM_ALGORITHM: 'round-robin' }, async (proxy) => {
      const seen = await names(proxy, 9);
      const start = seen.slice(0, 3);
      expect(new Set(start)).toEqual(new Set(['a', 'b', 'c']));
      expect(seen).toEqual([...start, ...start, ...start]);
    });
  });

  it('weighted-round-robin follows the 3:2:1 weights exactly over a cycle', async () => {
    await withProxy({ FULCRUM_BACKENDS: weighted(), FULCRUM_ALGORITHM: 'weighted-round-robin' }, async (proxy) => {
      expect(tally(await names(proxy, 60))).toEqual({ a: 30, b: 20, c: 10 });
    });
  });

  it.each([
    ['least-connections', { a: 4, b: 4, c: 4 }],
    ['weighted-least-connections', { a: 6, b: 4, c: 2 }],
  ])('%s balances requests in flight at once', async (algorithm, expected) => {
    // Slow origins keep all 12 requests active together, so each pick sees the others' counts.
    const slow = await Promise.all(
      ['a', 'b', 'c'].map((name) => startOrigin(name, (_request, response) => setTimeout(() => response.end(name), 300))),
    );
    const list = slow.map((origin, index) => (algorithm.startsWith('weighted') ? `${origin.address}*${[3, 2, 1][index]}` : origin.address));
    try {
      await withProxy({ FULCRUM_BACKENDS: list.join(','), FULCRUM_ALGORITHM: algorithm }, async (proxy) => {
        const replies = await Promise.all(Array.from({ length: 12 }, () => send(`${proxy.url}/`, { agent: false })));
        expect(tally(replies.map((reply) => reply.body))).toEqual(expected);
      });
    } finally {
      await Promise.all(slow.map((origin) => origin.close()));
    }
  });

  it('power-of-two reaches every backend', async () => {
    await withProxy({ FULCRUM_BACKENDS: backends(), FULCRUM_ALGORITHM: 'power-of-two' }, async (proxy) => {
      expect(Object.keys(tally(await names(proxy, 60))).sort()).toEqual(['a', 'b', 'c']);
    });
  });

  it('consistent-hash keeps one key on one backend and spreads keys', async () => {
    const env = { FULCRUM_BACKENDS: backends(), FULCRUM_ALGORITHM: 'consistent-hash', FULCRUM_HASH_KEY: 'header:x-user' };
    await withProxy(env, async (proxy) => {
      const perUser = await Promise.all(
        Array.from({ length: 30 }, async (_unused, user) => new Set(await names(proxy, 3, () => ({ 'x-user': `user-${user}` })))),
      );
      expect(perUser.every((set) => set.size === 1)).toBe(true);
      expect(new Set(perUser.map((set) => [...set][0])).size).toBe(3);
    });
  });
});
