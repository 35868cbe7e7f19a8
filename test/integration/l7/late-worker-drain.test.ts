// A drain asked for while a dead worker's replacement is still starting: the replacement subscribes to
// the control channel after the broadcast, so the drain is repeated when it reports listening. Both fronts.
import { afterAll, afterEach, expect, it } from 'vitest';
import { createPool, destroyPool } from '../../../src/balance/index.js';
import { loadConfig } from '../../../src/config/load.js';
import { startHttpProxy } from '../../../src/l7/http-proxy.js';
import { FRONTS } from '../../helpers/l7-proxy.js';
import { freePort, startOrigin, type TestOrigin } from '../../helpers/origins.js';

const origins: TestOrigin[] = [];

afterEach(() => destroyPool('default'));
afterAll(async () => {
  await Promise.all(origins.map((origin) => origin.close()));
});

it.each(FRONTS)('drain ends a replacement worker that was not yet listening when it was broadcast ($name front)', async (front) => {
  const origin = await startOrigin('steady');
  origins.push(origin);
  const config = loadConfig({
    flags: new Map(),
    env: {
      ...front.env,
      FULCRUM_BACKENDS: origin.address,
      FULCRUM_LISTEN: `127.0.0.1:${await freePort()}`,
      FULCRUM_WORKERS: '2',
      FULCRUM_ADMIN_LISTEN: 'off',
    },
  });
  createPool({ name: 'default', backends: [{ address: origin.address }] });
  let died!: () => void;
  const restarted = new Promise<void>((resolve) => (died = resolve));
  const proxy = await startHttpProxy(config, config.pools, {
    workerDied: () => died(),
    latency: () => undefined,
    retries: () => undefined,
    access: () => undefined,
  });
  proxy.failWorker(proxy.threads[0]?.threadId ?? -1);
  await restarted;
  // At once: the replacement thread is still loading its serve task.
  const summaries = await Promise.race([
    proxy.drain(500),
    new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000).unref()),
  ]);
  expect(summaries).not.toBe('hung');
  expect(summaries).toHaveLength(2);
});
