// least-latency against round robin with the real binary: in http mode one of three origins answers 50 ms
// late (not 20: on a loaded 2-core machine the fast ones' own latency can reach tens of ms); in tcp mode one of three backends never completes a connect (its accept queue is full, so the kernel
// drops the SYNs) and health checks are off, so nothing but the balancer keeps traffic away from it.
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type BackendStats, getStats } from '../../helpers/admin.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { CLI, startForTest } from '../../helpers/fulcrum-process.js';
import { readLine } from '../../helpers/l4-client.js';
import { startEchoBackend, startUnacceptingListener } from '../../helpers/l4-servers.js';
import { send } from '../../helpers/l7-proxy.js';
import { freePort, type OriginHandler, startOrigin, type TestOrigin } from '../../helpers/origins.js';

const cleanup = cleanupAfterEach();

interface BackendLatency extends BackendStats {
  ewmaMs: number | null;
}

async function startFulcrum(env: Record<string, string>): Promise<{ port: number; admin: number }> {
  const [port, admin] = [await freePort(), await freePort()];
  await startForTest(
    cleanup,
    CLI,
    [],
    {
      FULCRUM_LISTEN: `127.0.0.1:${port}`,
      FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`,
      FULCRUM_WORKERS: '1',
      FULCRUM_HEALTH_CHECK: 'off',
      FULCRUM_OUTLIER_FAILURES: '0',
      ...env,
    },
    'fulcrum is serving',
  );
  return { port, admin };
}

async function backendsOf(admin: number): Promise<BackendLatency[]> {
  return (await getStats(admin)).pools.default?.backends as BackendLatency[];
}

function startTracked(name: string, handler?: OriginHandler): Promise<TestOrigin> {
  return startOrigin(name, handler).then((origin) => cleanup.add(origin, (started) => started.close()));
}

const answerLate: OriginHandler = (_request, response, origin) => {
  const timer = setTimeout(() => response.writeHead(200).end(origin.name), 50);
  response.on('close', () => clearTimeout(timer));
};

/** `total` GETs, `concurrency` at a time over keep-alive connections. */
async function load(url: string, total: number, concurrency: number): Promise<void> {
  let sent = 0;
  const client = async () => {
    while (sent < total) {
      sent++;
      const reply = await send(url);
      expect(reply.status).toBe(200);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
}

describe('least-latency in http mode', () => {
  it('sends the origin that answers 50 ms late far fewer requests than round robin does, and shows ewmaMs', async () => {
    const origins = [await startTracked('fast-1'), await startTracked('fast-2'), await startTracked('slow', answerLate)];
    const slow = origins[2] as TestOrigin;
    const slowShare: Record<string, number> = {};
    for (const algorithm of ['round-robin', 'least-latency']) {
      const before = slow.requests;
      const { port, admin } = await startFulcrum({
        FULCRUM_BACKENDS: origins.map((origin) => origin.address).join(','),
        FULCRUM_ALGORITHM: algorithm,
      });
      await load(`http://127.0.0.1:${port}/`, 300, 4);
      slowShare[algorithm] = (slow.requests - before) / 300;
      const backends = await backendsOf(admin);
      const slowFigure = backends.find((backend) => backend.address === slow.address)?.ewmaMs ?? 0;
      expect(slowFigure).toBeGreaterThan(40);
      for (const backend of backends.filter((candidate) => candidate.address !== slow.address)) {
        expect(backend.ewmaMs).not.toBeNull();
        expect(backend.ewmaMs).toBeLessThan(slowFigure);
      }
      const metrics = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
      const exported = new RegExp(`fulcrum_backend_latency_ewma_seconds\\{pool="default",backend="${slow.address}"\\} (\\S+)`).exec(
        metrics,
      );
      expect(Number(exported?.[1])).toBeGreaterThan(0.01);
    }
    expect(slowShare['round-robin']).toBeGreaterThan(0.3);
    expect(slowShare['least-latency']).toBeLessThan(0.15);
  });
});

/** Connects, has one line echoed, closes: one connection through the proxy. */
async function echoOnce(port: number): Promise<void> {
  const socket: Socket = connect({ port, host: '127.0.0.1' });
  const line = readLine(socket, 5_000);
  socket.write('ping\n');
  expect(await line).toBe('ping');
  socket.destroy();
}

describe('least-latency in tcp mode', () => {
  it('stops picking a backend whose connects time out, where round robin keeps trying it', async () => {
    const echoes = [await startEchoBackend(), await startEchoBackend()];
    for (const echo of echoes) cleanup.add(echo, (started) => started.close());
    const silent = cleanup.add(await startUnacceptingListener(), (listener) => listener.close());
    // Fills the listen(0) queue: from now on the kernel drops this listener's SYNs.
    for (let index = 0; index < 3; index++) {
      const filler = connect({ port: silent.port, host: '127.0.0.1' });
      filler.on('error', () => undefined);
      cleanup.add(filler, (socket) => socket.destroy());
    }
    const silentPicks: Record<string, number> = {};
    for (const algorithm of ['round-robin', 'least-latency']) {
      const { port, admin } = await startFulcrum({
        FULCRUM_MODE: 'tcp',
        FULCRUM_BACKENDS: [...echoes.map((echo) => echo.address), silent.address].join(','),
        FULCRUM_ALGORITHM: algorithm,
        FULCRUM_CONNECT_TIMEOUT: '200ms',
        // Long enough that the penalty is still plainly there when /stats is read, however slow the machine.
        FULCRUM_LATENCY_HALF_LIFE: '30s',
      });
      for (let connection = 0; connection < 15; connection++) await echoOnce(port);
      const backends = await backendsOf(admin);
      const stuck = backends.find((backend) => backend.address === silent.address) as BackendLatency;
      silentPicks[algorithm] = stuck.totalPicks;
      expect(stuck.ewmaMs).toBeGreaterThan(150); // the 200 ms penalty, barely decayed
      for (const echo of echoes) {
        expect(backends.find((backend) => backend.address === echo.address)?.ewmaMs).toBeLessThan(50);
      }
    }
    expect(silentPicks['round-robin']).toBeGreaterThanOrEqual(4);
    expect(silentPicks['least-latency']).toBeLessThanOrEqual(2);
  });
});
