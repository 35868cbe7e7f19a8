// `FULCRUM_MODE=tcp` with the config file's `access`, `rateLimit` and `maxConnectionsPerIp`: refused
// connections counted in /stats and /metrics and logged, and a reload that swaps the rules while the
// connections already open keep flowing (a broken rule keeps the old ones serving).
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getStats } from '../../helpers/admin.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { tempConfigPath, writeConfig } from '../../helpers/config-file.js';
import { CLI, startForTest } from '../../helpers/fulcrum-process.js';
import { eventually } from '../../helpers/l4-client.js';
import { startEchoBackend, type TestBackend } from '../../helpers/l4-servers.js';
import { freePort } from '../../helpers/origins.js';

const cleanup = cleanupAfterEach();
let backend: TestBackend;
beforeAll(async () => {
  backend = await startEchoBackend();
});
afterAll(() => backend.close());

/** Connects from `localAddress` and sends a line: 'echo' (the socket stays open, in `kept`) or 'reset'. */
function tryConnection(port: number, localAddress: string, kept: Socket[]): Promise<'echo' | 'reset' | 'other'> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    const timer = setTimeout(() => finish('other'), 5_000);
    const finish = (outcome: 'echo' | 'reset' | 'other'): void => {
      clearTimeout(timer);
      if (outcome === 'echo') kept.push(socket);
      else socket.destroy();
      resolve(outcome);
    };
    socket.once('connect', () => socket.write('ping\n'));
    socket.on('data', () => finish('echo'));
    socket.once('end', () => finish('other'));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.code === 'ECONNRESET' ? 'reset' : 'other'));
  });
}

async function startTcpFulcrum(configLines: string[]) {
  const configPath = tempConfigPath('fulcrum.yaml');
  writeConfig(configPath, configLines);
  const [port, admin] = [await freePort(), await freePort()];
  const fulcrum = await startForTest(
    cleanup,
    CLI,
    [],
    {
      FULCRUM_MODE: 'tcp',
      FULCRUM_BACKENDS: backend.address,
      FULCRUM_LISTEN: `127.0.0.1:${port}`,
      FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`,
      FULCRUM_WORKERS: '2',
      FULCRUM_ACCESS_LOG: 'true',
      FULCRUM_CONFIG: configPath,
    },
    'fulcrum is serving',
  );
  const kept: Socket[] = [];
  cleanup.add(kept, (sockets) => {
    for (const socket of sockets) socket.destroy();
  });
  return { fulcrum, port, admin, configPath, kept };
}

it('counts denied, limited and capped connections in /stats and /metrics, and logs each with its reason', async () => {
  const { fulcrum, port, admin, kept } = await startTcpFulcrum([
    'access:',
    '  - { name: no-second, deny: { cidr: 127.0.0.2 } }',
    'rateLimit: { name: per-ip, key: ip, rate: "1/h", burst: 4 }',
    'maxConnectionsPerIp: 2',
  ]);
  expect(await tryConnection(port, '127.0.0.2', kept)).toBe('reset');
  const outcomes = [];
  for (let index = 0; index < 5; index += 1) outcomes.push(await tryConnection(port, '127.0.0.1', kept));
  // Two held (the cap), then two refused by the cap (spending tokens), then the bucket of 4 is empty.
  expect(outcomes).toEqual(['echo', 'echo', 'reset', 'reset', 'reset']);
  const stats = (await getStats(admin)).dataPlane as unknown as Record<string, unknown>;
  expect(stats.accessConnections).toEqual({
    'no-second': { allowed: 0, denied: 1 },
    'per-ip': { limited: 1 },
    maxConnectionsPerIp: { capped: 2 },
  });
  expect(stats).toMatchObject({ connectionsLimited: 1, connectionsCapped: 2 });
  const metrics = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
  expect(metrics).toContain('fulcrum_access_connections_total{rule="no-second",verdict="denied"} 1');
  expect(metrics).toContain('fulcrum_access_connections_total{rule="per-ip",verdict="limited"} 1');
  expect(metrics).toContain('fulcrum_access_connections_total{rule="maxConnectionsPerIp",verdict="capped"} 2');
  const logged = () =>
    fulcrum
      .output()
      .split('\n')
      .filter((line) => line.includes('"tcp connection"'))
      .map((line) => JSON.parse(line) as { end: string; rule?: string; client: string; backend: string | null });
  expect(await eventually(() => logged().length === 4, 3_000)).toBe(true);
  // Each loop thread has its own ring, so the lines of two threads may come in either order.
  expect(
    logged()
      .map((line) => line.end)
      .sort(),
  ).toEqual(['capped', 'capped', 'denied', 'limited']);
  const denied = logged().find((line) => line.end === 'denied');
  expect(denied).toMatchObject({ rule: 'no-second', backend: null });
  expect(denied?.client).toMatch(/^127\.0\.0\.2:/);
});

it('a reload swaps the rules for new connections while open ones keep flowing; a broken rule keeps the old ones', async () => {
  const { fulcrum, port, configPath, kept } = await startTcpFulcrum(['access: [{ name: no-second, deny: { cidr: 127.0.0.2 } }]']);
  expect(await tryConnection(port, '127.0.0.1', kept)).toBe('echo');
  expect(await tryConnection(port, '127.0.0.2', kept)).toBe('reset');
  writeConfig(configPath, ['access: [{ name: no-first, deny: { cidr: 127.0.0.1 } }]']);
  fulcrum.child.kill('SIGHUP');
  expect(await eventually(() => fulcrum.output().includes('configuration reloaded'), 5_000)).toBe(true);
  expect(await tryConnection(port, '127.0.0.1', kept)).toBe('reset');
  expect(await tryConnection(port, '127.0.0.2', kept)).toBe('echo');
  // The connection opened before the reload still relays.
  const held = kept[0] as Socket;
  const reply = new Promise<string>((resolve) => held.once('data', (chunk: Buffer) => resolve(chunk.toString())));
  held.write('still here\n');
  expect(await reply).toBe('still here\n');
  writeConfig(configPath, ['access: [{ name: broken, deny: { cidr: 127.0.0.300 } }]']);
  fulcrum.child.kill('SIGHUP');
  expect(await eventually(() => fulcrum.output().includes('reload rejected'), 5_000)).toBe(true);
  expect(fulcrum.output()).toMatch(/access\[0\]\.deny\.cidr/);
  expect(await tryConnection(port, '127.0.0.1', kept)).toBe('reset');
});
