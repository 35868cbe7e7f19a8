// Backends that accept connections but answer late or never: the default active check in http mode (an
// HTTP GET /, not a connect) takes them down, and the slow-response outlier signal ejects them from traffic.

import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { getStats, type Stats, waitForStats } from '../../helpers/admin.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { CLI, startForTest } from '../../helpers/fulcrum-process.js';
import { freePort, type OriginHandler, startOrigin, type TestOrigin } from '../../helpers/origins.js';

const cleanup = cleanupAfterEach();

/** Accepts connections and reads requests, never writing a byte back. */
async function startHangingBackend(): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.add(server, (listening) => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => listening.close(resolve));
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function startTracked(name: string, handler: OriginHandler): Promise<TestOrigin> {
  return startOrigin(name, handler).then((origin) => cleanup.add(origin, (started) => started.close()));
}

/** Answers `status` after `delayMs`. */
function answerAfter(delayMs: number, status = 200): OriginHandler {
  return (_request, response, origin) => {
    const timer = setTimeout(() => response.writeHead(status).end(origin.name), delayMs);
    response.on('close', () => clearTimeout(timer));
  };
}

async function startFulcrum(backends: string[], env: Record<string, string>): Promise<{ url: string; admin: number }> {
  const [port, admin] = [await freePort(), await freePort()];
  await startForTest(
    cleanup,
    CLI,
    [],
    {
      FULCRUM_BACKENDS: backends.join(','),
      FULCRUM_LISTEN: `127.0.0.1:${port}`,
      FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`,
      FULCRUM_WORKERS: '1',
      ...env,
    },
    'fulcrum is serving',
  );
  return { url: `http://127.0.0.1:${port}/`, admin };
}

function stateOf(stats: Stats, address: string): string {
  const found = stats.pools.default?.backends.find((candidate) => candidate.address === address);
  if (!found) throw new Error(`${address} is not in /stats`);
  return found.state;
}

describe('the default active check in http mode', () => {
  it('takes down a backend that never answers and one that answers in 5 s, and keeps one answering 404 up', async () => {
    const hanging = await startHangingBackend();
    const late = await startTracked('late', answerAfter(5_000));
    const notFound = await startTracked('not-found', answerAfter(0, 404));
    // Nothing about checks is configured: FULCRUM_HEALTH_CHECK is its default. Passive ejection is off, so
    // only the active check can take a backend down.
    const { admin } = await startFulcrum([hanging, late.address, notFound.address], { FULCRUM_OUTLIER_FAILURES: '0' });
    // interval 2 s (first check at a random point in it), then fall = 3 failures of 1 s each, 500 ms apart.
    const elapsed = await waitForStats(
      admin,
      (stats) => stateOf(stats, hanging) === 'down' && stateOf(stats, late.address) === 'down',
      9_000,
    );
    expect(elapsed).toBeLessThan(9_000);
    const stats = await getStats(admin);
    expect(stats.pools.default?.backends.find((backend) => backend.address === hanging)?.health?.checks.at(-1)?.detail).toMatch(
      /timeout after 1000 ms/,
    );
    expect(stateOf(stats, notFound.address)).toBe('up');
    expect(stats.pools.default?.backends.find((backend) => backend.address === notFound.address)?.health?.checks.at(-1)?.detail).toBe(
      'status 404',
    );
  });
});

describe('the slow-response outlier signal', () => {
  it('ejects a backend whose answers come later than FULCRUM_OUTLIER_SLOW_RESPONSE, while every request still succeeds', async () => {
    const slow = await startTracked('slow', answerAfter(400));
    const fast = await startTracked('fast', answerAfter(0));
    const { url, admin } = await startFulcrum([slow.address, fast.address], {
      FULCRUM_HEALTH_CHECK: 'off',
      FULCRUM_OUTLIER_SLOW_RESPONSE: '150ms',
      FULCRUM_OUTLIER_FAILURES: '2',
      FULCRUM_OUTLIER_EJECTION_TIME: '30s',
    });
    const replies = await Promise.all(Array.from({ length: 8 }, () => fetch(url).then((response) => response.status)));
    expect(replies).toEqual(Array.from({ length: 8 }, () => 200));
    await waitForStats(admin, (stats) => stateOf(stats, slow.address) === 'down', 2_000);
    const stats = await getStats(admin);
    expect(stats.pools.default?.backends.find((backend) => backend.address === slow.address)?.health?.ejections).toBe(1);
    expect(stateOf(stats, fast.address)).toBe('up');
    // Once ejected, the slow backend takes no new requests.
    const before = slow.requests;
    for (let round = 0; round < 4; round++) expect(await (await fetch(url)).text()).toBe('fast');
    expect(slow.requests).toBe(before);
  });
});
