import { describe, expect, it } from 'vitest';
import { getStats, runLoad, sleep, waitForStats } from '../../helpers/admin.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { tempConfigPath, writeConfig } from '../../helpers/config-file.js';
import { CLI, startForTest } from '../../helpers/fulcrum-process.js';
import { freePort } from '../../helpers/origins.js';
import { RestartableOrigin } from '../../helpers/restartable-origin.js';

const cleanup = cleanupAfterEach();

async function startOrigins(names: string[]): Promise<RestartableOrigin[]> {
  const origins = names.map((name) => cleanup.add(new RestartableOrigin(name), (origin) => origin.stop()));
  await Promise.all(origins.map((origin) => origin.start()));
  return origins;
}

async function startWithConfig(lines: string[], env: Record<string, string> = {}): Promise<{ url: string; admin: number }> {
  const configPath = tempConfigPath('fulcrum.yaml');
  writeConfig(configPath, lines);
  const [port, admin] = [await freePort(), await freePort()];
  await startForTest(
    cleanup,
    CLI,
    [],
    {
      FULCRUM_CONFIG: configPath,
      FULCRUM_LISTEN: `127.0.0.1:${port}`,
      FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`,
      FULCRUM_WORKERS: '1',
      ...env,
    },
    'fulcrum is serving',
  );
  return { url: `http://127.0.0.1:${port}/`, admin };
}

describe('passive health on 5xx', () => {
  it('ejects a backend answering 500s when include5xx is set, and readmits it after the ejection', async () => {
    const [good, sick] = (await startOrigins(['good', 'sick'])) as [RestartableOrigin, RestartableOrigin];
    sick.status = 500;
    const { url, admin } = await startWithConfig([
      'healthCheck: off',
      'pools:',
      '  app:',
      `    backends: ["${good.address}", "${sick.address}"]`,
      '    healthCheck: off',
      '    outlierDetection: { consecutiveFailures: 3, include5xx: true, baseEjectionTime: 700ms, maxEjectionPercent: 50 }',
      'routes: [{ pool: app }]',
    ]);
    const statuses: number[] = [];
    for (let index = 0; index < 8; index++) statuses.push((await fetch(url)).status);
    expect(statuses).toContain(500);
    await waitForStats(admin, (stats) => stats.pools.app!.backends[1]!.state === 'down', 2_000);
    const whileEjected = await Promise.all(Array.from({ length: 6 }, () => fetch(url).then((response) => response.text())));
    expect(whileEjected).toEqual(Array(6).fill('good'));
    sick.status = 200;
    await waitForStats(admin, (stats) => stats.pools.app!.backends[1]!.state === 'up', 3_000);
    const after = new Set<string>();
    for (let index = 0; index < 4; index++) after.add(await (await fetch(url)).text());
    expect(after).toEqual(new Set(['good', 'sick']));
  });
});

describe('backup pool', () => {
  it('takes the traffic while every primary backend is down, and gives it back', async () => {
    const [primary, spare] = (await startOrigins(['primary', 'spare'])) as [RestartableOrigin, RestartableOrigin];
    const { url, admin } = await startWithConfig(
      [
        'pools:',
        '  main:',
        `    backends: ["${primary.address}"]`,
        '    backup: spare',
        '  spare:',
        `    backends: ["${spare.address}"]`,
        'routes: [{ pool: main }]',
      ],
      { FULCRUM_HEALTH_INTERVAL: '200ms', FULCRUM_HEALTH_FALL: '1', FULCRUM_HEALTH_RISE: '1', FULCRUM_OUTLIER_FAILURES: '0' },
    );
    expect(await (await fetch(url)).text()).toBe('primary');
    let stopLoad!: () => void;
    const load = runLoad(url, new Promise<void>((resolve) => (stopLoad = resolve)));
    await primary.stop();
    await waitForStats(admin, (stats) => stats.pools.main!.backends[0]!.state === 'down', 2_000);
    await sleep(200);
    await primary.start();
    await waitForStats(admin, (stats) => stats.pools.main!.backends[0]!.state === 'up', 2_000);
    await sleep(100);
    stopLoad();
    const result = await load;
    expect(result.failed).toEqual([]);
    expect(result.bodies).toContain('spare');
    expect(result.bodies.at(-1)).toBe('primary');
    expect((await getStats(admin)).pools.spare!.backends[0]!.totalPicks).toBeGreaterThan(0);
  });
});
