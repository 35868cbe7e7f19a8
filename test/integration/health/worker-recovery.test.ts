import { afterAll, expect, it } from 'vitest';
import { createPool, destroyPool } from '../../../src/balance/index.js';
import { loadConfig } from '../../../src/config/load.js';
import { startHttpProxy } from '../../../src/l7/http-proxy.js';
import { runLoad, sleep } from '../../helpers/admin.js';
import { freePort, startOrigin, type TestOrigin } from '../../helpers/origins.js';

let origin: TestOrigin;

afterAll(async () => {
  await origin?.close();
  destroyPool('default');
});

it('replaces an L7 worker that dies of an uncaught error while the others keep serving', async () => {
  origin = await startOrigin('steady');
  const port = await freePort();
  const config = loadConfig({
    flags: new Map(),
    env: { FULCRUM_BACKENDS: origin.address, FULCRUM_LISTEN: `127.0.0.1:${port}`, FULCRUM_WORKERS: '2' },
  });
  createPool({ name: 'default', backends: [{ address: origin.address }] });
  const deaths: Error[] = [];
  const proxy = await startHttpProxy(config, config.pools, {
    workerDied: (error) => deaths.push(error),
    latency: () => undefined,
    retries: () => undefined,
    access: () => undefined,
  });
  const url = `http://127.0.0.1:${port}/`;
  let stopLoad!: () => void;
  const load = runLoad(url, new Promise<void>((resolve) => (stopLoad = resolve)));
  await sleep(200);
  proxy.failWorker(proxy.threads[0]?.threadId ?? -1);
  const started = Date.now();
  while (proxy.workerRestarts === 0 && Date.now() - started < 5_000) await sleep(20);
  await sleep(300);
  stopLoad();
  const result = await load;
  expect(deaths).toHaveLength(1);
  expect(proxy.workerRestarts).toBe(1);
  expect(proxy.threads).toHaveLength(2);
  expect(result.ok).toBeGreaterThan(20);
  // Requests in flight on the dying worker's connections are cut (as with any crashed process); the rest succeed.
  expect(result.failed.length).toBeLessThanOrEqual(3);
  expect(result.failed.every((failure) => failure.status === 0)).toBe(true);
  const after = await fetch(url);
  expect(await after.text()).toBe('steady');
  await proxy.drain(1_000);
});
