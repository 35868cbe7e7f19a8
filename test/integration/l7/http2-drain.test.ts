// Draining the complete front (FULCRUM_PROTOCOLS=all) with an HTTP/2 session open: on SIGTERM, and on a
// reload that starts a new data plane, the session is told GOAWAY and its in-flight stream still completes.
import type { ClientHttp2Session } from 'node:http2';
import { expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { tempConfigPath, writeConfig } from '../../helpers/config-file.js';
import { CLI, type RunningProcess, startForTest } from '../../helpers/fulcrum-process.js';
import { h2Get, h2Request, openH2Session } from '../../helpers/h2-client.js';
import { freePort, startOrigin, type TestOrigin } from '../../helpers/origins.js';

const cleanup = cleanupAfterEach();

/** An origin that holds /slow until the test lets it answer. */
async function holdingOrigin(): Promise<{ origin: TestOrigin; arrived: Promise<void>; answer: () => void }> {
  let arrivedResolve!: () => void;
  const arrived = new Promise<void>((resolve) => (arrivedResolve = resolve));
  const held: (() => void)[] = [];
  const origin = await startOrigin('draining', (request, response) => {
    if (request.url !== '/slow') return void response.end('quick');
    held.push(() => response.end('slow answer'));
    arrivedResolve();
  });
  cleanup.add(origin, (started) => started.close());
  const answer = (): void => {
    for (const end of held.splice(0)) end();
  };
  return { origin, arrived, answer };
}

function goAwayWithin(session: ClientHttp2Session, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    session.once('goaway', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function startFulcrum(env: Record<string, string>): Promise<{ fulcrum: RunningProcess; port: number }> {
  const port = await freePort();
  const fulcrum = await startForTest(
    cleanup,
    CLI,
    [],
    {
      FULCRUM_PROTOCOLS: 'all',
      FULCRUM_LISTEN: `127.0.0.1:${port}`,
      FULCRUM_WORKERS: '1',
      FULCRUM_ADMIN_LISTEN: 'off',
      FULCRUM_HEALTH_CHECK: 'off',
      FULCRUM_LOG_LEVEL: 'info',
      ...env,
    },
    'fulcrum is serving',
  );
  return { fulcrum, port };
}

it('SIGTERM: the open session gets GOAWAY, its in-flight stream completes, then Fulcrum exits', async () => {
  const { origin, arrived, answer } = await holdingOrigin();
  const { fulcrum, port } = await startFulcrum({ FULCRUM_BACKENDS: origin.address, FULCRUM_DRAIN_TIMEOUT: '10s' });
  const session = cleanup.add(await openH2Session(port), (opened) => opened.destroy());
  const inFlight = h2Request(session, { ':path': '/slow' });
  await arrived;
  const goAway = goAwayWithin(session, 3_000);
  fulcrum.child.kill('SIGTERM');
  expect(await goAway).toBe(true);
  answer();
  const reply = await inFlight;
  expect([reply.status, reply.body.toString()]).toEqual([200, 'slow answer']);
  const exitCode = await Promise.race([fulcrum.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 8_000))]);
  expect(exitCode).toBe(0);
});

it('a reload that starts a new data plane: GOAWAY to the old session, its stream completes, new clients are served', async () => {
  const { origin, arrived, answer } = await holdingOrigin();
  const configPath = tempConfigPath('fulcrum.yaml');
  writeConfig(configPath, ['clientBodyTimeout: 5s']);
  const { fulcrum, port } = await startFulcrum({ FULCRUM_BACKENDS: origin.address, FULCRUM_CONFIG: configPath });
  const session = cleanup.add(await openH2Session(port), (opened) => opened.destroy());
  const inFlight = h2Request(session, { ':path': '/slow' });
  await arrived;
  const goAway = goAwayWithin(session, 5_000);
  // A timeout is not taken in place: the running plane drains beside a new one.
  writeConfig(configPath, ['clientBodyTimeout: 6s']);
  fulcrum.child.kill('SIGHUP');
  expect(await goAway).toBe(true);
  // The log is written asynchronously: the reload's line may land just after the GOAWAY.
  await expect.poll(() => fulcrum.output(), { timeout: 2_000 }).toContain('clientBodyTimeout');
  expect((await h2Get(port, '/new-client')).body.toString()).toBe('quick');
  answer();
  const reply = await inFlight;
  expect([reply.status, reply.body.toString()]).toEqual([200, 'slow answer']);
  expect(fulcrum.child.exitCode).toBeNull();
});
