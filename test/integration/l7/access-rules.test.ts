// Access rules on both fronts, through the real binary: every matcher (CIDR of the client a trusted proxy
// forwarded for, method, path prefix and regex, header present / equal / matching, query parameter), the
// first rule deciding, top-level rules before a route's own, 403 with X-Fulcrum-Error: denied, and the
// rule's name in the access log.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { waitForStats } from '../../helpers/admin.js';
import { startEchoOrigin } from '../../helpers/echo-origin.js';
import { FRONTS, type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort, type TestOrigin } from '../../helpers/origins.js';

const RULES = {
  access: [{ name: 'no-admin', deny: { pathPrefix: '/admin' } }],
  routes: [
    {
      match: { pathPrefix: '/internal' },
      pool: 'app',
      access: [
        { name: 'office', allow: { cidr: ['10.0.0.0/8', '2001:db8::/32'] } },
        { name: 'everyone-else', deny: {} },
      ],
    },
    {
      match: { pathPrefix: '/' },
      pool: 'app',
      access: [
        { name: 'no-delete', deny: { method: ['DELETE'] } },
        { name: 'no-php', deny: { pathRegex: '\\.php$' } },
        { name: 'scanners', deny: { headers: [{ name: 'user-agent', regex: 'sqlmap|nikto' }] } },
        { name: 'debug-header', deny: { headers: [{ name: 'x-debug' }] } },
        { name: 'staging', deny: { headers: [{ name: 'x-env', equals: 'staging' }] } },
        { name: 'debug-query', deny: { query: [{ name: 'debug', equals: '1' }] } },
      ],
    },
  ],
};

describe.each(FRONTS)('access rules ($name front)', (front) => {
  let origin: TestOrigin;
  let proxy: L7Proxy;

  beforeAll(async () => {
    origin = await startEchoOrigin('app');
    proxy = await startL7Proxy(
      { ...front.env, FULCRUM_TRUSTED_PROXIES: '127.0.0.1/32', FULCRUM_ACCESS_LOG: 'true' },
      { pools: { app: { backends: [origin.address] } }, ...RULES },
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await origin?.close();
  });

  it.each([
    ['DELETE', '/items/1', {}, 'no-delete'],
    ['GET', '/index.php', {}, 'no-php'],
    ['GET', '/', { 'user-agent': 'sqlmap/1.7' }, 'scanners'],
    ['GET', '/', { 'x-debug': 'yes' }, 'debug-header'],
    ['GET', '/', { 'x-env': 'staging' }, 'staging'],
    ['GET', '/search?q=a&debug=1', {}, 'debug-query'],
    ['GET', '/admin/users', {}, 'no-admin'],
    ['GET', '/internal/report', {}, 'everyone-else'],
    ['GET', '/internal/report', { 'x-forwarded-for': '192.0.2.7' }, 'everyone-else'],
  ])('%s %s %j is denied by %s', async (method, path, headers, rule) => {
    const reply = await send(`${proxy.url}${path}`, { method, headers });
    expect(reply.status).toBe(403);
    expect(reply.headers['x-fulcrum-error']).toBe('denied');
    expect(reply.body).toContain(`"${rule}"`);
    await expect.poll(() => proxy.process.output(), { timeout: 2_000 }).toContain(`"rule":"${rule}"`);
  });

  it.each([
    ['GET', '/items/1', {}],
    ['GET', '/index.html', {}],
    ['GET', '/', { 'user-agent': 'curl/8.0', 'x-env': 'production' }],
    ['GET', '/search?q=a&debug=0', {}],
    // A trusted proxy (127.0.0.1) forwarded for an office address.
    ['GET', '/internal/report', { 'x-forwarded-for': '10.1.2.3' }],
    ['GET', '/internal/report', { 'x-forwarded-for': '10.1.2.3, 127.0.0.1' }],
  ])('%s %s %j passes', async (method, path, headers) => {
    const reply = await send(`${proxy.url}${path}`, { method, headers });
    expect(reply.status).toBe(200);
  });
});

describe('access rules without trusted proxies', () => {
  let origin: TestOrigin;
  let proxy: L7Proxy;

  beforeAll(async () => {
    origin = await startEchoOrigin('app');
    proxy = await startL7Proxy({}, { pools: { app: { backends: [origin.address] } }, ...RULES });
  });
  afterAll(async () => {
    await proxy?.stop();
    await origin?.close();
  });

  it('judges the peer address: an X-Forwarded-For from an untrusted client is not believed', async () => {
    const reply = await send(`${proxy.url}/internal/report`, { headers: { 'x-forwarded-for': '10.1.2.3' } });
    expect(reply.status).toBe(403);
  });

  it('counts verdicts by rule in /stats and /metrics', async () => {
    const adminPort = await freePort();
    const counted = await startL7Proxy(
      { FULCRUM_BACKENDS: origin.address, FULCRUM_ADMIN_LISTEN: `127.0.0.1:${adminPort}` },
      {
        access: [
          { name: 'no-admin', deny: { pathPrefix: '/admin' } },
          { name: 'health', allow: { pathPrefix: '/health' } },
        ],
      },
    );
    try {
      for (const path of ['/admin', '/admin/x', '/health', '/other']) await send(`${counted.url}${path}`);
      await waitForStats(
        adminPort,
        (stats) =>
          JSON.stringify(stats.dataPlane.access) ===
          JSON.stringify({
            'no-admin': { allowed: 0, denied: 2, limited: 0, delayed: 0, capped: 0 },
            health: { allowed: 1, denied: 0, limited: 0, delayed: 0, capped: 0 },
          }),
        3_000,
      );
      const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
      expect(metrics).toContain('fulcrum_access_requests_total{rule="no-admin",verdict="denied"} 2');
      expect(metrics).toContain('fulcrum_access_requests_total{rule="health",verdict="allowed"} 1');
    } finally {
      await counted.stop();
    }
  });

  it('applies top-level rules without routes too', async () => {
    const bare = await startL7Proxy(
      { FULCRUM_BACKENDS: origin.address },
      { access: [{ name: 'no-admin', deny: { pathPrefix: '/admin' } }] },
    );
    try {
      expect((await send(`${bare.url}/admin`)).status).toBe(403);
      expect((await send(`${bare.url}/`)).status).toBe(200);
    } finally {
      await bare.stop();
    }
  });

  it('keeps the old rules serving when a reload brings a broken one', async () => {
    const adminPort = await freePort();
    const rules = { access: [{ name: 'no-admin', deny: { pathPrefix: '/admin' } }] };
    const reloaded = await startL7Proxy({ FULCRUM_BACKENDS: origin.address, FULCRUM_ADMIN_LISTEN: `127.0.0.1:${adminPort}` }, rules);
    try {
      const broken = { access: [{ name: 'no-admin', deny: { cidr: '10.0.0.0/33' } }, { deny: { pathRegex: '^/(a+)+$' } }] };
      writeFileSync(reloaded.configPath as string, stringify(broken));
      reloaded.process.child.kill('SIGHUP');
      await waitForStats(adminPort, (stats) => stats.reloads.rejected === 1, 3_000);
      await expect.poll(() => reloaded.process.output(), { timeout: 2_000 }).toContain('the previous configuration keeps serving');
      expect(reloaded.process.output()).toContain('access[0].deny.cidr');
      expect(reloaded.process.output()).toContain('backtrack catastrophically');
      expect((await send(`${reloaded.url}/admin`)).status).toBe(403);
      expect((await send(`${reloaded.url}/aaaa`)).status).toBe(200);
    } finally {
      await reloaded.stop();
    }
  });
});
