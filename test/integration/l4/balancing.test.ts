// Native picks under real connections: least-connections spreads long-lived ones, ip hashing sticks.

import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTo, eventually, readLine } from '../../helpers/l4-client.js';
import { startTestProxy, type TestProxy } from '../../helpers/l4-proxy.js';
import { startEchoBackend, startHoldingBackend, type TestBackend } from '../../helpers/l4-servers.js';

describe('l4 balancing', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function startBackends(count: number, start: () => Promise<TestBackend>): Promise<TestBackend[]> {
    const backends = await Promise.all(Array.from({ length: count }, start));
    for (const backend of backends) cleanups.push(() => backend.close());
    return backends;
  }
  async function proxyOver(...args: Parameters<typeof startTestProxy>): Promise<TestProxy> {
    const proxy = await startTestProxy(...args);
    cleanups.push(() => proxy.close());
    return proxy;
  }

  it('least-connections spreads long-lived connections evenly', async () => {
    const backends = await startBackends(3, startHoldingBackend);
    const proxy = await proxyOver(
      backends.map((backend) => backend.address),
      'least-connections',
    );
    const clients: Socket[] = [];
    cleanups.push(() => {
      for (const client of clients) client.destroy();
    });
    // Connections of uneven length: every third one closes again, so a round robin would drift.
    for (let index = 0; index < 45; index += 1) {
      const client = await connectTo(proxy.port);
      clients.push(client);
      const expectedOpen = clients.filter((socket) => !socket.destroyed).length;
      expect(await eventually(() => backends.reduce((sum, backend) => sum + backend.open(), 0) === expectedOpen, 2_000)).toBe(true);
      if (index % 3 === 0) {
        client.destroy();
        await eventually(() => backends.reduce((sum, backend) => sum + backend.open(), 0) === expectedOpen - 1, 2_000);
      }
    }
    const open = backends.map((backend) => backend.open());
    expect(open.reduce((sum, count) => sum + count, 0)).toBe(30);
    expect(Math.max(...open) - Math.min(...open)).toBeLessThanOrEqual(1);
    expect(proxy.stats().backends.map((backend) => backend.activeConnections)).toEqual(open);
  });

  it('ip hashing keeps each client address on one backend', async () => {
    const backends = await startBackends(4, startEchoBackend);
    const proxy = await proxyOver(
      backends.map((backend) => backend.address),
      'consistent-hash',
    );
    const chosenByClient = new Map<string, Set<number>>();
    for (const localAddress of ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6']) {
      const chosen = new Set<number>();
      for (let index = 0; index < 10; index += 1) {
        const before = backends.map((backend) => backend.accepted());
        const client = await connectTo(proxy.port, { localAddress });
        const reply = readLine(client);
        client.write('sticky?\n');
        expect(await reply).toBe('sticky?');
        client.destroy();
        backends.forEach((backend, position) => {
          if (backend.accepted() > before[position]!) chosen.add(position);
        });
      }
      chosenByClient.set(localAddress, chosen);
    }
    for (const [client, chosen] of chosenByClient) expect(chosen.size, `client ${client}`).toBe(1);
    const used = new Set([...chosenByClient.values()].flatMap((chosen) => [...chosen]));
    expect(used.size).toBeGreaterThan(1);
  });
});
