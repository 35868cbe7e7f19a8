// The connection limit, idle timeout, graceful drain and descriptor hygiene of the native TCP proxy.
import { readdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTo, eventually, readLine, waitForEnd } from '../../helpers/l4-client.js';
import { startTestProxy, type TestProxy } from '../../helpers/l4-proxy.js';
import { startEchoBackend, startHoldingBackend, type TestBackend } from '../../helpers/l4-servers.js';

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

async function echoOnce(port: number, text: string): Promise<string> {
  const client = await connectTo(port);
  const reply = readLine(client, 5_000);
  client.end(`${text}\n`);
  const line = await reply;
  await waitForEnd(client, 5_000);
  return line;
}

describe('l4 limits', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function backend(start: Promise<TestBackend>): Promise<TestBackend> {
    const started = await start;
    cleanups.push(() => started.close());
    return started;
  }
  async function proxyOver(...args: Parameters<typeof startTestProxy>): Promise<TestProxy> {
    const proxy = await startTestProxy(...args);
    cleanups.push(() => proxy.close());
    return proxy;
  }
  function track(client: Socket): Socket {
    cleanups.push(() => {
      client.destroy();
    });
    return client;
  }

  it('leaves connections over maxConnections in the kernel backlog, then serves them', async () => {
    const holding = await backend(startHoldingBackend());
    const proxy = await proxyOver([holding.address], 'round-robin', { maxConnections: 2 });
    const first = track(await connectTo(proxy.port));
    track(await connectTo(proxy.port));
    expect(await eventually(() => holding.open() === 2, 2_000)).toBe(true);
    const waiting = track(await connectTo(proxy.port)); // the kernel completes the handshake from its backlog
    expect(waiting.readyState).toBe('open');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(holding.accepted()).toBe(2);
    expect(proxy.stats().accepted).toBe(2);
    expect(proxy.stats().acceptPausesForLimit).toBeGreaterThan(0);
    first.destroy();
    expect(await eventually(() => holding.accepted() === 3, 2_000)).toBe(true);
    expect(proxy.stats().activeConnections).toBe(2);
  });

  it('closes connections idle longer than idleTimeoutMs', async () => {
    const holding = await backend(startHoldingBackend());
    const proxy = await proxyOver([holding.address], 'round-robin', { idleTimeoutMs: 200 });
    const client = track(await connectTo(proxy.port));
    const started = Date.now();
    expect(await waitForEnd(client, 3_000)).toBe('end');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(proxy.stats().idleTimeouts).toBe(1);
  });

  it('drains: stops accepting, lets a live connection finish, then resolves', async () => {
    const echo = await backend(startEchoBackend());
    const proxy = await startTestProxy([echo.address]);
    const live = track(await connectTo(proxy.port, { allowHalfOpen: true }));
    // connect() resolves once the kernel queued the connection; drain only spares accepted ones.
    expect(await eventually(() => echo.open() === 1, 2_000)).toBe(true);
    const drained = proxy.drain(10_000);
    await expect(connectTo(proxy.port)).rejects.toThrow(/ECONNREFUSED/);
    const reply = readLine(live);
    live.end('still flowing\n');
    expect(await reply).toBe('still flowing');
    const started = Date.now();
    expect(await drained).toEqual({ forcedCloses: 0 });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('drains: closes what is left at the deadline', async () => {
    const holding = await backend(startHoldingBackend());
    const proxy = await startTestProxy([holding.address]);
    const lingering = track(await connectTo(proxy.port));
    expect(await eventually(() => holding.open() === 1, 2_000)).toBe(true);
    const ending = waitForEnd(lingering, 5_000);
    expect(await proxy.drain(200)).toEqual({ forcedCloses: 1 });
    expect(await ending).toBe('end');
    expect(proxy.events.some((message) => message.includes('drain deadline'))).toBe(true);
  });

  it('leaks no descriptor after 10k connections', { timeout: 120_000 }, async () => {
    const echo = await backend(startEchoBackend());
    const proxy = await proxyOver([echo.address], 'round-robin', { workers: 2 });
    for (let index = 0; index < 100; index += 1) await echoOnce(proxy.port, 'warm-up');
    expect(await eventually(() => proxy.stats().activeConnections === 0 && echo.open() === 0, 5_000)).toBe(true);
    const before = openDescriptors();
    const total = 10_000;
    const concurrency = 50;
    let next = 0;
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const index = next++;
          const reply = await echoOnce(proxy.port, `connection ${index}`).catch((error: Error) => error.message);
          if (reply !== `connection ${index}`) failures.push(reply);
        }
      }),
    );
    expect(failures).toEqual([]);
    const settled = await eventually(() => proxy.stats().activeConnections === 0 && echo.open() === 0, 10_000);
    expect(settled, JSON.stringify({ proxy: proxy.stats(), echoOpen: echo.open() })).toBe(true);
    await eventually(() => openDescriptors() === before, 5_000);
    expect(openDescriptors()).toBe(before);
    expect(proxy.stats().accepted).toBe(total + 100);
    expect(proxy.stats().pipesInUse).toBe(0);
  });
});
