// A backend that resets or closes a fresh connection before answering (as a stopping server does with
// connections it had accepted): idempotent requests without a body are retried on another backend and
// counted per backend in /stats and /metrics; requests that carried a body or are not idempotent are not.

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type BackendStats, getStats, type Stats } from '../../helpers/admin.js';
import { FRONTS, type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort, startOrigin } from '../../helpers/origins.js';

type Hangup = 'reset' | 'close';

interface HangingUpBackend {
  address: string;
  /** Requests it read in full before hanging up. */
  requests: number;
  close(): Promise<void>;
}

/** Reads each request whole (head and content-length body), then resets or closes without a byte of answer. */
async function hangingUpBackend(hangup: Hangup): Promise<HangingUpBackend> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(received.slice(0, headEnd))?.[1] ?? 0);
      if (received.length < headEnd + 4 + length) return;
      backend.requests++;
      if (hangup === 'reset') socket.resetAndDestroy();
      else socket.end();
    });
  });
  const backend: HangingUpBackend = {
    address: '',
    requests: 0,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return backend;
}

async function metric(admin: number, name: string, backend: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`) && candidate.includes(`backend="${backend}"`));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function backendStats(stats: Stats, address: string): BackendStats {
  const found = stats.pools.default?.backends.find((candidate) => candidate.address === address);
  if (!found) throw new Error(`${address} is not in /stats`);
  return found;
}

describe.each(FRONTS)('retrying requests a backend hung up on before answering ($name front)', (front) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(hangup: Hangup): Promise<{ bad: HangingUpBackend; good: string; proxy: L7Proxy; admin: number }> {
    const bad = await hangingUpBackend(hangup);
    cleanups.push(() => bad.close());
    const good = await startOrigin('good');
    cleanups.push(() => good.close());
    const admin = await freePort();
    const proxy = await startL7Proxy({
      ...front.env,
      FULCRUM_BACKENDS: `${bad.address},${good.address}`,
      FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`,
      // Ejection would take the bad backend out and hide what this test counts.
      FULCRUM_OUTLIER_FAILURES: '0',
    });
    cleanups.push(() => proxy.stop());
    return { bad, good: good.address, proxy, admin };
  }

  it.each<Hangup>(['reset', 'close'])(
    'every GET and HEAD succeeds when a backend %ss fresh connections, and the retries are counted',
    async (hangup) => {
      const { bad, good, proxy, admin } = await setUp(hangup);
      for (let round = 0; round < 12; round++) {
        const method = round % 3 === 2 ? 'HEAD' : 'GET';
        const reply = await send(`${proxy.url}/${round}`, { method, agent: false });
        expect([reply.status, reply.headers['x-fulcrum-error']]).toEqual([200, undefined]);
      }
      expect(bad.requests).toBeGreaterThanOrEqual(3);
      // Workers ship their retry counts every second.
      await expect.poll(async () => backendStats(await getStats(admin), bad.address).retries, { timeout: 3_000 }).toBe(bad.requests);
      const stats = await getStats(admin);
      expect(backendStats(stats, bad.address).failures).toBe(bad.requests);
      expect(backendStats(stats, good).retries).toBe(0);
      expect(await metric(admin, 'fulcrum_backend_retries_total', bad.address)).toBe(bad.requests);
      expect(await metric(admin, 'fulcrum_backend_retries_total', good)).toBe(0);
    },
  );

  it.each([
    ['POST with a body', 'POST', 'payload'],
    ['POST without a body', 'POST', undefined],
    ['PUT with a body (idempotent, but its body was sent)', 'PUT', 'payload'],
  ])('does not retry a %s: it answers 502 upstream-reset', async (_name, method, body) => {
    const { bad, proxy, admin } = await setUp('reset');
    let failed = 0;
    for (let round = 0; round < 6; round++) {
      const reply = await send(`${proxy.url}/`, { method, body, agent: false });
      if (reply.status === 502) {
        expect(reply.headers['x-fulcrum-error']).toBe('upstream-reset');
        failed++;
      } else {
        expect(reply.status).toBe(200);
      }
    }
    // Round robin sends every other request to the bad backend: each of those failed, none moved on.
    expect(failed).toBe(3);
    expect(bad.requests).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(backendStats(await getStats(admin), bad.address).retries).toBe(0);
  });
});
