import { describe, expect, it } from 'vitest';
import { getStats, runLoad, type Stats, sleep, waitForStats } from '../../helpers/admin.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { CLI, startForTest } from '../../helpers/fulcrum-process.js';
import { freePort } from '../../helpers/origins.js';
import { RestartableOrigin } from '../../helpers/restartable-origin.js';

const cleanup = cleanupAfterEach();
/** The current test's origins; startFulcrum puts them behind Fulcrum. */
let origins: RestartableOrigin[] = [];

async function startOrigins(count: number): Promise<RestartableOrigin[]> {
  origins = Array.from({ length: count }, (_, index) => cleanup.add(new RestartableOrigin(`origin-${index}`), (origin) => origin.stop()));
  await Promise.all(origins.map((origin) => origin.start()));
  return origins;
}

async function startFulcrum(env: Record<string, string>): Promise<{ url: string; admin: number }> {
  const [port, admin] = [await freePort(), await freePort()];
  await startForTest(
    cleanup,
    CLI,
    [],
    {
      FULCRUM_BACKENDS: origins.map((origin) => origin.address).join(','),
      FULCRUM_LISTEN: `127.0.0.1:${port}`,
      FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`,
      FULCRUM_WORKERS: '1',
      FULCRUM_HEALTH_INTERVAL: '200ms',
      FULCRUM_HEALTH_TIMEOUT: '100ms',
      FULCRUM_HEALTH_RISE: '2',
      FULCRUM_HEALTH_FALL: '2',
      ...env,
    },
    'fulcrum is serving',
  );
  return { url: `http://127.0.0.1:${port}/`, admin };
}

function backend(stats: Stats, origin: RestartableOrigin) {
  const found = stats.pools.default?.backends.find((candidate) => candidate.address === origin.address);
  if (!found) throw new Error(`${origin.address} is not in /stats`);
  return found;
}

describe('active health checks and failover', () => {
  it('marks a killed backend down within interval x fall, and no request fails while others are up', async () => {
    const [a, b, c] = await startOrigins(3);
    const { url, admin } = await startFulcrum({ FULCRUM_OUTLIER_FAILURES: '0' });
    let stopLoad!: () => void;
    const load = runLoad(url, new Promise<void>((resolve) => (stopLoad = resolve)));
    await sleep(300);
    await b!.stop();
    // interval x fall = 400 ms; the second check runs on the fast interval, so this is generous slack.
    const elapsed = await waitForStats(admin, (stats) => backend(stats, b!).state === 'down', 2_000);
    expect(elapsed).toBeLessThan(200 * 2 + 800);
    await sleep(300);
    stopLoad();
    const result = await load;
    expect(result.failed).toEqual([]);
    expect(result.ok).toBeGreaterThan(20);
    const afterDown = result.bodies.slice(-10);
    expect(afterDown).not.toContain(b!.name);
    expect(new Set(afterDown)).toEqual(new Set([a!.name, c!.name]));
  });

  it('brings a revived backend back after rise passes, then ramps its weight (slow start)', async () => {
    const [, b] = await startOrigins(2);
    const { admin } = await startFulcrum({
      FULCRUM_BACKENDS: origins.map((origin) => `${origin.address}*100`).join(','),
      FULCRUM_ALGORITHM: 'weighted-round-robin',
      FULCRUM_SLOW_START: '1s',
      FULCRUM_OUTLIER_FAILURES: '0',
    });
    await b!.stop();
    await waitForStats(admin, (stats) => backend(stats, b!).state === 'down', 2_000);
    await b!.start();
    await waitForStats(admin, (stats) => backend(stats, b!).state === 'up', 2_000);
    const weights: number[] = [];
    const started = Date.now();
    while (Date.now() - started < 1_600) {
      weights.push(backend(await getStats(admin), b!).effectiveWeight);
      await sleep(50);
    }
    expect(weights[0]).toBeLessThanOrEqual(30);
    expect(weights.at(-1)).toBe(100);
    for (let index = 1; index < weights.length; index++) expect(weights[index]).toBeGreaterThanOrEqual(weights[index - 1] as number);
    expect(new Set(weights).size).toBeGreaterThan(3);
  });

  it('answers 503 quickly when every backend is down', async () => {
    const all = await startOrigins(2);
    const { url, admin } = await startFulcrum({});
    await Promise.all(all.map((origin) => origin.stop()));
    await waitForStats(admin, (stats) => stats.pools.default!.backends.every((candidate) => candidate.state === 'down'), 3_000);
    const started = performance.now();
    const response = await fetch(url);
    expect(response.status).toBe(503);
    expect(response.headers.get('x-fulcrum-error')).toBe('no-backend');
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('passive health (outlier detection)', () => {
  it('ejects a backend after consecutive failures in real traffic, then readmits it when the ejection ends', async () => {
    const [a, b] = await startOrigins(2);
    const { url, admin } = await startFulcrum({
      FULCRUM_HEALTH_CHECK: 'off',
      FULCRUM_OUTLIER_FAILURES: '3',
      FULCRUM_OUTLIER_EJECTION_TIME: '600ms',
      FULCRUM_OUTLIER_MAX_PERCENT: '50',
    });
    await b!.stop();
    let stopLoad!: () => void;
    const load = runLoad(url, new Promise<void>((resolve) => (stopLoad = resolve)));
    await waitForStats(admin, (stats) => backend(stats, b!).health?.ejectedUntil !== null && backend(stats, b!).state === 'down', 3_000);
    await b!.start();
    await waitForStats(admin, (stats) => backend(stats, b!).state === 'up', 3_000);
    await sleep(200);
    stopLoad();
    const result = await load;
    // Connect failures to b were retried on a: the client never saw them.
    expect(result.failed).toEqual([]);
    expect(result.bodies.slice(-6)).toContain(b!.name);
    expect(result.bodies).toContain(a!.name);
    const stats = await getStats(admin);
    expect(backend(stats, b!).health?.ejections).toBeGreaterThanOrEqual(1);
  });

  it('never ejects more than the max ejection percent of a pool', async () => {
    const all = await startOrigins(2);
    const { url, admin } = await startFulcrum({
      FULCRUM_HEALTH_CHECK: 'off',
      FULCRUM_OUTLIER_FAILURES: '2',
      FULCRUM_OUTLIER_EJECTION_TIME: '10s',
      FULCRUM_OUTLIER_MAX_PERCENT: '50',
    });
    await Promise.all(all.map((origin) => origin.stop()));
    for (let index = 0; index < 12; index++) await fetch(url).then((response) => response.text());
    await sleep(300);
    const stats = await getStats(admin);
    const states = stats.pools.default!.backends.map((candidate) => candidate.state).sort();
    expect(states).toEqual(['down', 'up']);
  });
});
