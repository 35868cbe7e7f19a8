// Sticky cookies (survival, opaque id, re-pick when the backend dies) and A/B splits (ratios, per-key
// stickiness, forced arm, arm counters), with startHttpProxy in this process so the counters can be read;
// on both fronts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FRONTS, send } from '../../helpers/l7-proxy.js';
import { freePort, startOrigin, type TestOrigin } from '../../helpers/origins.js';

// The compiled modules, as the piscina workers run them, so both sides share one native registry.
const dist = (path: string) => new URL(`../../../dist/${path}`, import.meta.url).href;
const { createPool, destroyPool } = (await import(dist('balance/index.js'))) as typeof import('../../../src/balance/index.js');
const { loadConfig } = (await import(dist('config/load.js'))) as typeof import('../../../src/config/load.js');
const { startHttpProxy } = (await import(dist('l7/http-proxy.js'))) as typeof import('../../../src/l7/http-proxy.js');
type HttpProxy = import('../../../src/l7/http-proxy.js').HttpProxy;

describe.each(FRONTS)('sticky sessions and traffic splits ($name front)', (front) => {
  const origins: Record<string, TestOrigin> = {};
  let proxy: HttpProxy;
  let url = '';
  const poolNames = ['web', 'stable', 'canary'];

  beforeAll(async () => {
    for (const name of ['web1', 'web2', 'web3', 'stable', 'canary']) origins[name] = await startOrigin(name);
    const port = await freePort();
    const file = join(mkdtempSync(join(tmpdir(), 'fulcrum-sticky-')), 'fulcrum.yaml');
    writeFileSync(
      file,
      stringify({
        pools: {
          web: {
            backends: ['web1', 'web2', 'web3'].map((name) => (origins[name] as TestOrigin).address),
            sticky: { cookie: 'FULCRUM_ID' },
          },
          stable: { backends: [(origins.stable as TestOrigin).address] },
          canary: { backends: [(origins.canary as TestOrigin).address] },
        },
        routes: [
          { match: { pathPrefix: '/web' }, pool: 'web' },
          {
            match: { pathPrefix: '/plain' },
            split: [
              { pool: 'stable', weight: 90 },
              { pool: 'canary', weight: 10 },
            ],
          },
          {
            match: { pathPrefix: '/keyed' },
            split: [
              { pool: 'stable', weight: 70 },
              { pool: 'canary', weight: 30 },
            ],
            splitKey: 'header:x-user',
            forceHeader: 'x-arm',
          },
        ],
      }),
    );
    const config = loadConfig({
      env: { ...front.env, FULCRUM_CONFIG: file, FULCRUM_LISTEN: `127.0.0.1:${port}`, FULCRUM_WORKERS: '1', FULCRUM_HEALTH_CHECK: 'off' },
      flags: new Map(),
    });
    for (const pool of config.pools) {
      createPool({
        name: pool.name,
        algorithm: pool.algorithm,
        backends: pool.backends.map((backend) => ({ address: backend.address, weight: backend.weight })),
      });
    }
    proxy = await startHttpProxy(config, config.pools, {
      workerDied: (error) => {
        throw error;
      },
      latency: () => undefined,
      retries: () => undefined,
      access: () => undefined,
    });
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await proxy?.drain(1_000);
    for (const name of poolNames) destroyPool(name);
    await Promise.all(Object.values(origins).map((origin) => origin.close()));
  });

  it('inserts an opaque cookie and keeps a client on its backend, then re-picks when that backend dies', async () => {
    const first = await send(`${url}/web`);
    const setCookie = first.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toMatch(/^FULCRUM_ID=[0-9a-f]+; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(setCookie).not.toContain(String((origins[first.body] as TestOrigin).port));
    const cookie = setCookie.split(';')[0] as string;
    for (let round = 0; round < 10; round++) {
      const again = await send(`${url}/web`, { headers: { cookie: `other=1; ${cookie}` } });
      expect(again.body).toBe(first.body);
      expect(again.headers['set-cookie']).toBeUndefined();
    }
    await (origins[first.body] as TestOrigin).close();
    const moved = await send(`${url}/web`, { headers: { cookie } });
    expect(moved.status).toBe(200);
    expect(moved.body).not.toBe(first.body);
    const newCookie = (moved.headers['set-cookie']?.[0] ?? '').split(';')[0] as string;
    expect(newCookie).toMatch(/^FULCRUM_ID=/);
    expect(newCookie).not.toBe(cookie);
    expect((await send(`${url}/web`, { headers: { cookie: newCookie } })).body).toBe(moved.body);
  });

  it('ignores an unknown sticky id and picks normally', async () => {
    const reply = await send(`${url}/web`, { headers: { cookie: 'FULCRUM_ID=deadbeef' } });
    expect(reply.status).toBe(200);
    expect(reply.headers['set-cookie']?.[0]).toMatch(/^FULCRUM_ID=/);
  });

  it('splits 90/10 by weight and counts each arm', async () => {
    const before = proxy.splitCounts()[0]?.arms.map((arm) => arm.requests) ?? [];
    const seen: Record<string, number> = {};
    for (let round = 0; round < 200; round++) {
      const { body } = await send(`${url}/plain`);
      seen[body] = (seen[body] ?? 0) + 1;
    }
    expect(seen).toEqual({ stable: 180, canary: 20 });
    const counts = proxy.splitCounts();
    expect(counts[0]?.route).toBe(1);
    expect(counts[0]?.arms.map((arm, index) => [arm.pool, arm.requests - (before[index] ?? 0)])).toEqual([
      ['stable', 180],
      ['canary', 20],
    ]);
  });

  it('keeps each split key on one arm, with the arms near their weights', async () => {
    const armOf: string[] = [];
    for (let user = 0; user < 300; user++) {
      const arms = new Set<string>();
      for (let round = 0; round < 2; round++) arms.add((await send(`${url}/keyed`, { headers: { 'x-user': `user-${user}` } })).body);
      expect(arms.size).toBe(1);
      armOf.push([...arms][0] as string);
    }
    const canaryShare = armOf.filter((arm) => arm === 'canary').length / armOf.length;
    expect(canaryShare).toBeGreaterThan(0.2);
    expect(canaryShare).toBeLessThan(0.4);
  });

  it('lets a header force an arm', async () => {
    for (let user = 0; user < 20; user++) {
      expect((await send(`${url}/keyed`, { headers: { 'x-user': `user-${user}`, 'x-arm': 'canary' } })).body).toBe('canary');
    }
  });
});
