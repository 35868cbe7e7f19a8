// Rate limits through the real binary with 4 workers: the buckets live in the native table every worker
// shares, so 4 workers let through the configured count, not 4 times it; the sustained rate holds within
// 2% over 10 s; a refused request gets 429 with Retry-After; keys by header (alone or combined) keep clients
// apart; `action: delay` holds requests for their token up to a bound; /stats counts it all.
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForStats } from '../../helpers/admin.js';
import { FRONTS, type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort, startOrigin, type TestOrigin } from '../../helpers/origins.js';

describe.each(FRONTS)('rate limits across 4 workers ($name front)', (front) => {
  let origin: TestOrigin;
  let proxy: L7Proxy;
  let adminPort: number;

  beforeAll(async () => {
    origin = await startOrigin('limited');
    adminPort = await freePort();
    proxy = await startL7Proxy(
      { ...front.env, FULCRUM_WORKERS: '4', FULCRUM_ADMIN_LISTEN: `127.0.0.1:${adminPort}` },
      {
        pools: { app: { backends: [origin.address] } },
        routes: [
          // A bucket that never refills during the test: exactly `burst` requests pass, whichever worker serves them.
          { match: { pathPrefix: '/burst' }, pool: 'app', rateLimit: { name: 'burst-100', key: 'route', rate: '1/h', burst: 100 } },
          { match: { pathPrefix: '/steady' }, pool: 'app', rateLimit: { name: 'steady', key: 'route', rate: '100/s', burst: 20 } },
          { match: { pathPrefix: '/per-user' }, pool: 'app', rateLimit: { name: 'per-user', key: 'header:x-user', rate: '1/h', burst: 2 } },
          {
            match: { pathPrefix: '/per-app-user' },
            pool: 'app',
            rateLimit: { name: 'per-app-user', key: ['header:x-user', 'header:x-app'], rate: '1/h', burst: 1 },
          },
          {
            match: { pathPrefix: '/delayed' },
            pool: 'app',
            rateLimit: { name: 'delayed', key: 'route', rate: '10/s', burst: 1, action: 'delay', maxDelay: '350ms' },
          },
        ],
      },
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await origin?.close();
  });

  /** `count` GETs over `connections` fresh keep-alive connections (spread over the workers by SO_REUSEPORT). */
  async function burst(path: string, count: number, connections = 32): Promise<number[]> {
    const agent = new Agent({ keepAlive: true, maxSockets: connections });
    try {
      return (await Promise.all(Array.from({ length: count }, () => send(`${proxy.url}${path}`, { agent })))).map((reply) => reply.status);
    } finally {
      agent.destroy();
    }
  }

  it('lets exactly the burst through across the workers, then answers 429 with Retry-After', async () => {
    const statuses = await burst('/burst', 400);
    expect(statuses.filter((status) => status === 200)).toHaveLength(100);
    expect(statuses.filter((status) => status === 429)).toHaveLength(300);
    const refused = await send(`${proxy.url}/burst`);
    expect(refused.status).toBe(429);
    expect(refused.headers['x-fulcrum-error']).toBe('rate-limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await waitForStats(
      adminPort,
      (stats) => (stats.dataPlane.access as unknown as Record<string, { limited: number }>)['burst-100']?.limited === 301,
      3_000,
    );
  });

  // 10 s on the first front, as issue #17 asks; 3 s on the second keeps the suite short.
  const sustainMs = front === FRONTS[0] ? 10_000 : 3_000;

  it(`holds a sustained rate within 2% over ${sustainMs / 1000} s`, { timeout: 30_000 }, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    let passed = 0;
    const ends = Date.now() + sustainMs;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (Date.now() < ends) if ((await send(`${proxy.url}/steady`, { agent })).status === 200) passed++;
      }),
    );
    agent.destroy();
    // The burst, then the rate: a few tokens of slack keep a momentary gap between requests from wasting any.
    const expected = ((Date.now() - started) / 1000) * 100 + 20;
    expect(passed).toBeGreaterThanOrEqual(Math.floor(expected * 0.98) - 2);
    expect(passed).toBeLessThanOrEqual(Math.ceil(expected * 1.02) + 2);
  });

  it('keeps a bucket per key: one user over the limit does not stop another; no key is not limited', async () => {
    const statuses = async (user: string | null) =>
      Promise.all([1, 2, 3].map(() => send(`${proxy.url}/per-user`, { headers: user ? { 'x-user': user } : {} }))).then((replies) =>
        replies.map((reply) => reply.status).sort(),
      );
    expect(await statuses('ann')).toEqual([200, 200, 429]);
    expect(await statuses('bob')).toEqual([200, 200, 429]);
    expect(await statuses(null)).toEqual([200, 200, 200]);
  });

  it('keys a combined limit by every part: another value of either part is another bucket', async () => {
    const status = async (headers: Record<string, string>) => (await send(`${proxy.url}/per-app-user`, { headers })).status;
    expect(await status({ 'x-user': 'ann', 'x-app': 'web' })).toBe(200);
    expect(await status({ 'x-user': 'ann', 'x-app': 'web' })).toBe(429);
    expect(await status({ 'x-user': 'ann', 'x-app': 'cli' })).toBe(200);
    expect(await status({ 'x-user': 'bob', 'x-app': 'web' })).toBe(200);
    // Without one of the parts the request is not counted, as with a single missing key.
    expect(await status({ 'x-user': 'ann' })).toBe(200);
    expect(await status({ 'x-user': 'ann' })).toBe(200);
  });

  it('delays requests over the rate until their token is due, up to maxDelay, then refuses', async () => {
    // 10/s, a burst of 1, a 350 ms bound: one at once, three at ~100, ~200 and ~300 ms, the fifth (400 ms) refused.
    const started = performance.now();
    const replies = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const reply = await send(`${proxy.url}/delayed`);
        return { status: reply.status, afterMs: performance.now() - started };
      }),
    );
    const passed = replies.filter((reply) => reply.status === 200).sort((a, b) => a.afterMs - b.afterMs);
    expect(passed).toHaveLength(4);
    expect(replies.filter((reply) => reply.status === 429)).toHaveLength(1);
    expect(passed[3]?.afterMs).toBeGreaterThanOrEqual(290);
    await waitForStats(
      adminPort,
      (stats) => {
        const counts = (stats.dataPlane.access as unknown as Record<string, Record<string, number>>).delayed;
        return counts?.allowed === 1 && counts.delayed === 3 && counts.limited === 1;
      },
      3_000,
    );
  });
});
