import { afterAll, expect, it } from 'vitest';
import { CLI, type RunningProcess, startProcess } from '../../helpers/fulcrum-process.js';
import { FRONTS } from '../../helpers/l7-proxy.js';
import { freePort, startOrigin, type TestOrigin } from '../../helpers/origins.js';

const started: Array<{ fulcrum?: RunningProcess; origin?: TestOrigin }> = [];

afterAll(async () => {
  for (const { fulcrum, origin } of started) {
    fulcrum?.child.kill('SIGKILL');
    await origin?.close();
  }
});

interface AccessLine {
  msg: string;
  pid: number;
  status: number;
  method: string;
  path: string;
  backend: string | null;
  error: string | null;
  durationMs: number;
}

// The same records from both fronts, for a proxied request and for one Fulcrum refuses itself.
it.each(FRONTS)('writes one JSON line per request when FULCRUM_ACCESS_LOG=true ($name front)', async (front) => {
  const run: { fulcrum?: RunningProcess; origin?: TestOrigin } = {};
  started.push(run);
  const origin = await startOrigin('logged');
  run.origin = origin;
  const port = await freePort();
  const fulcrum = await startProcess(
    CLI,
    [],
    {
      ...front.env,
      FULCRUM_BACKENDS: origin.address,
      FULCRUM_LISTEN: `127.0.0.1:${port}`,
      FULCRUM_ADMIN_LISTEN: 'off',
      FULCRUM_WORKERS: '1',
      FULCRUM_ACCESS_LOG: 'true',
      FULCRUM_MAX_URL_LENGTH: '1kb',
    },
    'fulcrum is serving',
  );
  run.fulcrum = fulcrum;
  await (await fetch(`http://127.0.0.1:${port}/hello?x=1`)).text();
  await (await fetch(`http://127.0.0.1:${port}/${'a'.repeat(2000)}`)).text();
  const deadline = Date.now() + 2_000;
  let lines: AccessLine[] = [];
  while (Date.now() < deadline && lines.length < 2) {
    lines = fulcrum
      .output()
      .split('\n')
      .filter((line) => line.includes('"http request"'))
      .map((line) => JSON.parse(line) as AccessLine);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatchObject({
    msg: 'http request',
    pid: fulcrum.child.pid,
    status: 200,
    method: 'GET',
    path: '/hello',
    backend: origin.address,
    error: null,
  });
  expect(lines[0]!.durationMs).toBeGreaterThan(0);
  expect(lines[1]).toMatchObject({ status: 414, backend: null, error: 'url-too-long' });
});

it('writes no access line when FULCRUM_LOG_LEVEL is above info, as the tcp access log does', async () => {
  const quiet = await startOrigin('quiet');
  const port = await freePort();
  const process = await startProcess(
    CLI,
    [],
    {
      FULCRUM_BACKENDS: quiet.address,
      FULCRUM_LISTEN: `127.0.0.1:${port}`,
      FULCRUM_ADMIN_LISTEN: 'off',
      FULCRUM_WORKERS: '1',
      FULCRUM_ACCESS_LOG: 'true',
      FULCRUM_LOG_LEVEL: 'warn',
      // At warn, "fulcrum is serving" is not written; this variable's warning is, and the port is awaited below.
      FULCRUM_NOT_A_SETTING: 'x',
    },
    'FULCRUM_NOT_A_SETTING is not a Fulcrum setting',
  ).catch(async (error: unknown) => {
    await quiet.close();
    throw error;
  });
  try {
    const deadline = Date.now() + 10_000;
    while (
      Date.now() < deadline &&
      !(await fetch(`http://127.0.0.1:${port}/`).then(
        (response) => response.ok,
        () => false,
      ))
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (let index = 0; index < 3; index++) expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('quiet');
    // The lines of the requests above would have been written before their responses were.
    expect(process.output()).not.toContain('"http request"');
  } finally {
    process.child.kill('SIGKILL');
    await quiet.close();
  }
});
