// An L7 worker that cannot start says what failed: the listen address (by its setting) or the TLS pair.
// The config is loaded first and then changed, as if a file changed between the check and the start. Both fronts.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { FulcrumError } from '../../../src/errors.js';
import { startHttpProxy } from '../../../src/l7/http-proxy.js';
import { FRONTS, type FrontUnderTest } from '../../helpers/l7-proxy.js';
import { freePort } from '../../helpers/origins.js';
import { makeCertificate } from '../../helpers/tls-files.js';

const events = { workerDied: () => undefined, latency: () => undefined, retries: () => undefined, access: () => undefined };
const pair = makeCertificate('start.test');
let taken: Server;
let takenPort: number;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  takenPort = (taken.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

async function config(front: FrontUnderTest, env: Record<string, string>) {
  return loadConfig({
    flags: new Map(),
    env: {
      ...front.env,
      FULCRUM_BACKENDS: '127.0.0.1:9',
      FULCRUM_LISTEN: `127.0.0.1:${await freePort()}`,
      FULCRUM_WORKERS: '2',
      FULCRUM_ADMIN_LISTEN: 'off',
      ...env,
    },
  });
}

async function startFailure(configured: Awaited<ReturnType<typeof config>>): Promise<FulcrumError> {
  const error = await startHttpProxy(configured, [], events).then(
    async (proxy) => {
      await proxy.drain(0);
      throw new Error('expected the start to fail');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FulcrumError);
  return error as FulcrumError;
}

it.each(FRONTS)('a listen address in use is FULCRUM_ERR_LISTEN naming FULCRUM_LISTEN ($name front)', async (front) => {
  const error = await startFailure(await config(front, { FULCRUM_LISTEN: `127.0.0.1:${takenPort}` }));
  expect(error.code).toBe('FULCRUM_ERR_LISTEN');
  // uWS reports no reason; the node front's socket comes from the addon's bind(), which names the system's.
  const reason = front.name === 'node' ? 'bind: Address already in use' : 'the address is in use or not available';
  expect(error.message).toBe(`cannot listen on 127.0.0.1:${takenPort}: ${reason}; set FULCRUM_LISTEN to a free address.`);
});

it.each(FRONTS)('a redirect address in use names FULCRUM_HTTPS_REDIRECT_LISTEN ($name front)', async (front) => {
  const error = await startFailure(
    await config(front, {
      FULCRUM_TLS_CERT: pair.cert,
      FULCRUM_TLS_KEY: pair.key,
      FULCRUM_HTTPS_REDIRECT_LISTEN: `127.0.0.1:${takenPort}`,
    }),
  );
  expect(error.code).toBe('FULCRUM_ERR_LISTEN');
  expect(error.message).toContain('set FULCRUM_HTTPS_REDIRECT_LISTEN to a free address');
});

it.each(FRONTS)('a certificate and key that do not load are FULCRUM_ERR_TLS, not a listen problem ($name front)', async (front) => {
  const swapped = {
    ...(await config(front, { FULCRUM_TLS_CERT: pair.cert, FULCRUM_TLS_KEY: pair.key })),
    tlsCert: pair.key,
    tlsKey: pair.cert,
  };
  const error = await startFailure(swapped);
  expect(error.code).toBe('FULCRUM_ERR_TLS');
  expect(error.message).toContain(`the TLS certificate and key (${pair.key} / ${pair.cert}) do not load`);
  expect(error.message).not.toContain('FULCRUM_LISTEN');
});
