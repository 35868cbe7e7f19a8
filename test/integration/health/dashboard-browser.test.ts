// The dashboard (GET / on the admin API) in a real browser: Debian's Chromium driven by playwright-core,
// against the real binary with real origins and active health checks, with an admin token configured.
// Saves a screenshot to test-artifacts/dashboard.png.
import { mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStats, waitForStats } from '../../helpers/admin.js';
import { type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort, startOrigin, type TestOrigin } from '../../helpers/origins.js';

const TOKEN = 'a-long-enough-dashboard-token';
const HEALTH_INTERVAL_MS = 1_000;
const ARTIFACTS = new URL('../../../test-artifacts/', import.meta.url);

let origins: TestOrigin[];
let proxy: L7Proxy;
let adminPort: number;
let adminUrl: string;
let browser: Browser;
let page: Page;
const requestedUrls: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  origins = await Promise.all(['web-a', 'web-b', 'web-c'].map((name) => startOrigin(name)));
  adminPort = await freePort();
  adminUrl = `http://127.0.0.1:${adminPort}`;
  proxy = await startL7Proxy({
    FULCRUM_BACKENDS: origins.map((origin) => origin.address).join(','),
    FULCRUM_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
    FULCRUM_ADMIN_TOKEN: TOKEN,
    FULCRUM_HEALTH_CHECK: 'http:/',
    FULCRUM_HEALTH_INTERVAL: `${HEALTH_INTERVAL_MS}ms`,
    // One failed check takes a backend down, so the budget below is the checker's interval plus what the
    // page adds (up to one frame, 1 s), with a second to spare on a busy machine.
    FULCRUM_HEALTH_FALL: '1',
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  // Fail within the test's budget rather than playwright's 30 s default.
  page.setDefaultTimeout(5_000);
  page.on('request', (request) => requestedUrls.push(request.url()));
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await proxy?.stop();
  await Promise.all(origins.map((origin) => origin.close()));
});

const row = (address: string) => `tr[data-backend="${address}"]`;
const stateIs = (address: string, state: string) => `${row(address)} td.state[data-state="${state}"]`;

describe('the dashboard in Chromium', () => {
  it('asks for the admin token once, then shows every backend live', async () => {
    await page.goto(`${adminUrl}/`);
    await page.locator('#token-form').waitFor({ state: 'visible', timeout: 5_000 });
    expect(await page.locator('tr[data-backend]').count()).toBe(0);
    await page.fill('#token', TOKEN);
    await page.click('#token-form button[type="submit"]');
    for (const origin of origins) await page.locator(stateIs(origin.address, 'up')).waitFor({ timeout: 5_000 });
    expect(await page.locator('#token-form').isVisible()).toBe(false);
    // Kept for the tab only: a reload connects without asking again.
    await page.reload();
    await page.locator(stateIs(origins[0]!.address, 'up')).waitFor({ timeout: 5_000 });
    expect(await page.locator('#token-form').isVisible()).toBe(false);
  });

  it('shows a killed backend as down within the health interval plus 2 s', async () => {
    // Some traffic, so the rates and the charts have something to show.
    for (let index = 0; index < 60; index++) expect((await send(proxy.url)).status).toBe(200);
    const killed = origins[2]!;
    await killed.close();
    const started = Date.now();
    await page.locator(stateIs(killed.address, 'down')).waitFor({ timeout: HEALTH_INTERVAL_MS + 2_000 });
    expect(Date.now() - started).toBeLessThanOrEqual(HEALTH_INTERVAL_MS + 2_000);
  });

  it('drains a backend from its button: the API and then the page show it', async () => {
    const drained = origins[0]!.address;
    await page.click(`${row(drained)} button.drain`);
    await waitForStats(
      adminPort,
      (stats) => stats.pools.default!.backends.find((backend) => backend.address === drained)?.state === 'draining',
      2_000,
      TOKEN,
    );
    await page.locator(stateIs(drained, 'draining')).waitFor({ timeout: 2_000 });
    expect(await page.locator(`${row(drained)} button.drain`).isDisabled()).toBe(true);
    expect((await getStats(adminPort, TOKEN)).pools.default!.backends.find((backend) => backend.address === drained)?.health?.admin).toBe(
      'draining',
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL('dashboard.png', ARTIFACTS).pathname, fullPage: true });
  });

  it('made no request beyond the admin API, never put the token in a URL, and threw nothing', () => {
    expect(pageErrors).toEqual([]);
    expect(requestedUrls.length).toBeGreaterThan(0);
    for (const url of requestedUrls) {
      expect(url.startsWith(`${adminUrl}/`), url).toBe(true);
      expect(url).not.toContain(TOKEN);
    }
  });
});
