import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getStats, runLoad, sleep, waitForStats } from '../../helpers/admin.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { tempConfigPath, writeConfig } from '../../helpers/config-file.js';
import { CLI, startForTest } from '../../helpers/fulcrum-process.js';
import { freePort, type OriginHandler, startOrigin, type TestOrigin } from '../../helpers/origins.js';

const cleanup = cleanupAfterEach();

function startTracked(name: string, handler?: OriginHandler): Promise<TestOrigin> {
  return startOrigin(name, handler).then((origin) => cleanup.add(origin, (started) => started.close()));
}

function startOrigins(names: string[]): Promise<TestOrigin[]> {
  return Promise.all(names.map((name) => startTracked(name)));
}

describe('hot reload', () => {
  it('adds and removes a backend and changes the algorithm under continuous load with zero client errors', async () => {
    const origins = await startOrigins(['a', 'b', 'c']);
    const [a, b, c] = origins as [TestOrigin, TestOrigin, TestOrigin];
    const configPath = tempConfigPath('fulcrum.yaml');
    writeConfig(configPath, [`backends: ["${a.address}", "${b.address}"]`, 'algorithm: round-robin']);
    const [port, admin] = [await freePort(), await freePort()];
    const fulcrum = await startForTest(
      cleanup,
      CLI,
      [],
      { FULCRUM_CONFIG: configPath, FULCRUM_LISTEN: `127.0.0.1:${port}`, FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`, FULCRUM_WORKERS: '2' },
      'fulcrum is serving',
    );
    let stopLoad!: () => void;
    const stop = new Promise<void>((resolve) => (stopLoad = resolve));
    const loads = [runLoad(`http://127.0.0.1:${port}/`, stop), runLoad(`http://127.0.0.1:${port}/`, stop)];
    await sleep(300);
    writeConfig(configPath, [`backends: ["${b.address}", "${c.address}"]`, 'algorithm: least-connections']);
    fulcrum.child.kill('SIGHUP');
    await waitForStats(admin, (stats) => stats.reloads.applied === 1, 3_000);
    const aRequestsAtReload = a.requests;
    await sleep(400);
    stopLoad();
    const results = await Promise.all(loads);
    const failed = results.flatMap((result) => result.failed);
    expect(failed).toEqual([]);
    expect(results.reduce((sum, result) => sum + result.ok, 0)).toBeGreaterThan(50);
    expect(a.requests - aRequestsAtReload).toBeLessThanOrEqual(2);
    expect(c.requests).toBeGreaterThan(5);
    const stats = await getStats(admin);
    expect(stats.pools.default?.algorithm).toBe('least-connections');
    expect(stats.pools.default?.backends.map((backend) => backend.address)).toEqual([b.address, c.address]);
  });

  it('rejects an invalid reload and keeps serving the old config', async () => {
    const origins = await startOrigins(['only']);
    const configPath = tempConfigPath('fulcrum.yaml');
    writeConfig(configPath, [`backends: ["${origins[0]!.address}"]`]);
    const [port, admin] = [await freePort(), await freePort()];
    const fulcrum = await startForTest(
      cleanup,
      CLI,
      [],
      { FULCRUM_CONFIG: configPath, FULCRUM_LISTEN: `127.0.0.1:${port}`, FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`, FULCRUM_WORKERS: '1' },
      'fulcrum is serving',
    );
    writeConfig(configPath, ['backends: ["not-an-address"]', 'algorithm: fastest']);
    fulcrum.child.kill('SIGHUP');
    await waitForStats(admin, (stats) => stats.reloads.rejected === 1, 3_000);
    // The log is written asynchronously: the line may land just after the counter moved.
    await expect.poll(() => fulcrum.output(), { timeout: 2_000 }).toContain('reload rejected; the previous configuration keeps serving');
    expect(fulcrum.output()).toContain('algorithm=\\"fastest\\" is invalid');
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('only');
  });

  it('reloads when a watched config file changes', async () => {
    const origins = await startOrigins(['first', 'second']);
    const configPath = tempConfigPath('fulcrum.json');
    writeFileSync(configPath, JSON.stringify({ backends: [origins[0]!.address] }));
    const [port, admin] = [await freePort(), await freePort()];
    await startForTest(
      cleanup,
      CLI,
      ['--watch-config', 'true'],
      { FULCRUM_CONFIG: configPath, FULCRUM_LISTEN: `127.0.0.1:${port}`, FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`, FULCRUM_WORKERS: '1' },
      'fulcrum is serving',
    );
    writeFileSync(configPath, JSON.stringify({ backends: [origins[1]!.address] }));
    await waitForStats(admin, (stats) => stats.reloads.applied === 1, 3_000);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('second');
  });
  it('applies a rotated admin token and a watch turned on by a reload', async () => {
    const origins = await startOrigins(['first', 'second']);
    const configPath = tempConfigPath('fulcrum.yaml');
    const [oldToken, newToken] = ['the-first-admin-token', 'the-second-admin-token'];
    writeConfig(configPath, [`backends: ["${origins[0]!.address}"]`, `adminToken: ${oldToken}`]);
    const [port, admin] = [await freePort(), await freePort()];
    const fulcrum = await startForTest(
      cleanup,
      CLI,
      [],
      { FULCRUM_CONFIG: configPath, FULCRUM_LISTEN: `127.0.0.1:${port}`, FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`, FULCRUM_WORKERS: '1' },
      'fulcrum is serving',
    );
    // An event stream (the dashboard's) opened with the old token must not outlive it.
    const stream = await fetch(`http://127.0.0.1:${admin}/events`, { headers: { authorization: `Bearer ${oldToken}` } });
    expect(stream.status).toBe(200);
    const streamEnded = (async () => {
      const reader = stream.body!.getReader();
      while (!(await reader.read()).done);
      return true;
    })();
    writeConfig(configPath, [`backends: ["${origins[0]!.address}"]`, `adminToken: ${newToken}`, 'watchConfig: true']);
    fulcrum.child.kill('SIGHUP');
    // Until the reload lands the new token is refused, so poll for its first 200 rather than reading /stats.
    const statsWith = (token: string) => fetch(`http://127.0.0.1:${admin}/stats`, { headers: { authorization: `Bearer ${token}` } });
    const deadline = Date.now() + 3_000;
    while ((await statsWith(newToken)).status !== 200 && Date.now() < deadline) await sleep(50);
    await waitForStats(admin, (stats) => stats.reloads.applied === 1, 3_000, newToken);
    expect((await statsWith(oldToken)).status).toBe(401);
    // The stream ends at its next frame, at most a second after the reload.
    const ended = await Promise.race([streamEnded, sleep(2_000).then(() => false)]);
    expect(ended, "the old token's event stream still runs 2 s after the rotation").toBe(true);
    // The watch the reload turned on picks up the next edit without a signal.
    writeConfig(configPath, [`backends: ["${origins[1]!.address}"]`, `adminToken: ${newToken}`, 'watchConfig: true']);
    await waitForStats(admin, (stats) => stats.reloads.applied === 2, 3_000, newToken);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('second');
  });
});

describe('hot reload of data-plane settings', () => {
  it('starts a new data plane for changed workers and limits without a client error, and moves to a new listen address', async () => {
    const origins = await startOrigins(['x', 'y']);
    const configPath = tempConfigPath('fulcrum.yaml');
    const backends = `backends: [${origins.map((origin) => `"${origin.address}"`).join(', ')}]`;
    const [port, newPort, admin] = [await freePort(), await freePort(), await freePort()];
    writeConfig(configPath, [backends, `listen: 127.0.0.1:${port}`, 'workers: 1']);
    const fulcrum = await startForTest(
      cleanup,
      CLI,
      [],
      { FULCRUM_CONFIG: configPath, FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`, FULCRUM_DRAIN_TIMEOUT: '2s' },
      'fulcrum is serving',
    );
    let stopLoad!: () => void;
    const stop = new Promise<void>((resolve) => (stopLoad = resolve));
    const loads = [runLoad(`http://127.0.0.1:${port}/`, stop), runLoad(`http://127.0.0.1:${port}/`, stop)];
    await sleep(300);
    writeConfig(configPath, [backends, `listen: 127.0.0.1:${port}`, 'workers: 2', 'maxUrlLength: 4kb']);
    fulcrum.child.kill('SIGHUP');
    await waitForStats(admin, (stats) => stats.reloads.applied === 1 && stats.dataPlane.workers === 2, 5_000);
    await sleep(300);
    stopLoad();
    const results = await Promise.all(loads);
    expect(results.flatMap((result) => result.failed)).toEqual([]);
    expect(results.reduce((sum, result) => sum + result.ok, 0)).toBeGreaterThan(50);
    const long = await fetch(`http://127.0.0.1:${port}/${'a'.repeat(5000)}`);
    expect(long.status).toBe(414);

    writeConfig(configPath, [backends, `listen: 127.0.0.1:${newPort}`, 'workers: 2']);
    fulcrum.child.kill('SIGHUP');
    await waitForStats(admin, (stats) => stats.reloads.applied === 2, 5_000);
    expect((await fetch(`http://127.0.0.1:${newPort}/`)).status).toBe(200);
    await sleep(500);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    // The log is written asynchronously: the line may land just after the counter moved.
    await expect.poll(() => fulcrum.output(), { timeout: 2_000 }).toContain('started a new data plane; the previous one drains');
  });
});

describe('graceful shutdown', () => {
  it('lets long requests finish on SIGTERM, then exits 0', async () => {
    const origins = [await startTracked('slow', (_request, response) => setTimeout(() => response.end('finished'), 800))];
    const port = await freePort();
    const fulcrum = await startForTest(
      cleanup,
      CLI,
      [],
      {
        FULCRUM_BACKENDS: origins[0]!.address,
        FULCRUM_LISTEN: `127.0.0.1:${port}`,
        FULCRUM_ADMIN_LISTEN: 'off',
        FULCRUM_WORKERS: '1',
        FULCRUM_DRAIN_TIMEOUT: '5s',
      },
      'fulcrum is serving',
    );
    const requests = Array.from({ length: 3 }, () =>
      fetch(`http://127.0.0.1:${port}/`).then(async (response) => [response.status, await response.text()]),
    );
    await sleep(200);
    fulcrum.child.kill('SIGTERM');
    expect(await Promise.all(requests)).toEqual([
      [200, 'finished'],
      [200, 'finished'],
      [200, 'finished'],
    ]);
    expect(await fulcrum.exited).toBe(0);
  });
});
