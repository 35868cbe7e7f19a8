// Backends that fail: refused, reset, silent (connect timeout), and clients that vanish mid-transfer.

import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTo, connectWriteAndWaitForEnd, eventually, readLine, waitForEnd } from '../../helpers/l4-client.js';
import { sendGenerated } from '../../helpers/l4-data.js';
import { startTestProxy, type TestProxy } from '../../helpers/l4-proxy.js';
import {
  startEchoBackend,
  startHashBackend,
  startResettingBackend,
  startUnacceptingListener,
  type TestBackend,
  type UnacceptingListener,
} from '../../helpers/l4-servers.js';

// A port nothing listens on: bound by a server that is then closed, so connects are refused.
async function deadAddress(): Promise<string> {
  const backend = await startEchoBackend();
  await backend.close();
  return backend.address;
}

async function echoOnce(port: number, text: string): Promise<string> {
  const client = await connectTo(port);
  const line = readLine(client, 5_000);
  client.write(`${text}\n`);
  const reply = await line;
  client.destroy();
  return reply;
}

describe('l4 failover', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function proxyOver(...args: Parameters<typeof startTestProxy>): Promise<TestProxy> {
    const proxy = await startTestProxy(...args);
    cleanups.push(() => proxy.close().then(() => undefined));
    return proxy;
  }
  async function backend(start: Promise<TestBackend>): Promise<TestBackend> {
    const started = await start;
    cleanups.push(() => started.close());
    return started;
  }

  it('fails over from a dead backend without a client error', async () => {
    const echo = await backend(startEchoBackend());
    const dead = await deadAddress();
    const proxy = await proxyOver([dead, echo.address], 'round-robin', { retries: 1 });
    for (let index = 0; index < 20; index += 1) expect(await echoOnce(proxy.port, `ping ${index}`)).toBe(`ping ${index}`);
    const [deadStats, liveStats] = proxy.stats().backends;
    expect(deadStats!.connectFailures).toBeGreaterThan(0);
    expect(deadStats!.connectionsTotal).toBe(0);
    expect(liveStats!.connectionsTotal).toBe(20);
    expect(proxy.stats().noBackendAvailable).toBe(0);
  });

  it('resets the client when every backend is dead, and counts it', async () => {
    const proxy = await proxyOver([await deadAddress(), await deadAddress()], 'round-robin', { retries: 3 });
    expect(await connectWriteAndWaitForEnd(proxy.port, 'hello', 5_000)).toBe('reset');
    expect(await eventually(() => proxy.stats().noBackendAvailable === 1, 2_000)).toBe(true);
    expect(proxy.stats().activeConnections).toBe(0);
  });

  it('passes a backend reset on to the client and releases everything', async () => {
    const resetter = await backend(startResettingBackend('on-data'));
    const proxy = await proxyOver([resetter.address]);
    const client = await connectTo(proxy.port);
    const ending = waitForEnd(client, 5_000);
    client.write('trigger');
    expect(await ending).toBe('reset');
    expect(await eventually(() => proxy.stats().backends[0]!.backendResets === 1, 2_000)).toBe(true);
    expect(await eventually(() => proxy.stats().activeConnections === 0, 2_000)).toBe(true);
    expect(proxy.stats().pipesInUse).toBe(0);
  });

  it('treats a backend that accepts and resets at once like any other reset', async () => {
    const resetter = await backend(startResettingBackend('on-accept'));
    const proxy = await proxyOver([resetter.address]);
    for (let index = 0; index < 50; index += 1) {
      expect(['reset', 'end']).toContain(await connectWriteAndWaitForEnd(proxy.port, 'x', 5_000));
    }
    expect(await eventually(() => proxy.stats().activeConnections === 0, 2_000)).toBe(true);
  });

  describe('connect timeout', () => {
    let silent: UnacceptingListener;
    const fillers: Socket[] = [];
    afterEach(() => {
      for (const socket of fillers.splice(0)) socket.destroy();
      silent?.close();
    });

    // Fills the accept queue of a listen(0) socket so the kernel drops further SYNs.
    async function silentBackend(): Promise<string> {
      silent = await startUnacceptingListener();
      for (let index = 0; index < 3; index += 1) {
        const filler = connect({ port: silent.port, host: '127.0.0.1' });
        filler.on('error', () => {});
        fillers.push(filler);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      return silent.address;
    }

    it('gives up after connectTimeoutMs and reports a timeout', async () => {
      const proxy = await proxyOver([await silentBackend()], 'round-robin', { connectTimeoutMs: 300, retries: 0 });
      const started = Date.now();
      expect(await connectWriteAndWaitForEnd(proxy.port, 'hello', 5_000)).toBe('reset');
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(proxy.stats().backends[0]!.connectTimeouts).toBe(1);
    });

    it('fails over to the next backend after a timeout', async () => {
      const hash = await backend(startHashBackend());
      const proxy = await proxyOver([await silentBackend(), hash.address], 'round-robin', {
        connectTimeoutMs: 300,
        retries: 1,
      });
      for (let index = 0; index < 4; index += 1) {
        const client = await connectTo(proxy.port, { allowHalfOpen: true });
        const reply = readLine(client);
        const sentHash = await sendGenerated(client, 1000);
        expect(await reply).toBe(`1000 ${sentHash}`);
      }
      expect(proxy.stats().backends[0]!.connectTimeouts).toBeGreaterThan(0);
    });
  });

  it('survives clients that vanish mid-transfer, without leaking pipes', async () => {
    const echo = await backend(startEchoBackend());
    const proxy = await proxyOver([echo.address]);
    for (let index = 0; index < 20; index += 1) {
      const client = await connectTo(proxy.port);
      client.on('error', () => {});
      void sendGenerated(client, 64 * 1024 * 1024, false).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 5));
      client.resetAndDestroy();
    }
    expect(await eventually(() => proxy.stats().activeConnections === 0, 5_000)).toBe(true);
    expect(proxy.stats().pipesInUse).toBe(0);
    expect(await eventually(() => echo.open() === 0, 5_000)).toBe(true);
    expect(await echoOnce(proxy.port, 'still serving')).toBe('still serving');
  });
});
