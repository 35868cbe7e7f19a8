// Bytes through the native TCP proxy: byte-exact both ways (up to 1 GB), half-close each way, many at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTo, eventually, readLine, waitForEnd } from '../../helpers/l4-client.js';
import { receiveAll, sendGenerated } from '../../helpers/l4-data.js';
import { startTestProxy, type TestProxy } from '../../helpers/l4-proxy.js';
import { startEchoBackend, startGreetingBackend, startHashBackend, type TestBackend } from '../../helpers/l4-servers.js';

const MiB = 1024 * 1024;

describe('l4 relay', () => {
  let echo: TestBackend;
  let hash: TestBackend;
  let echoProxy: TestProxy;
  let hashProxy: TestProxy;

  beforeAll(async () => {
    echo = await startEchoBackend();
    hash = await startHashBackend();
    echoProxy = await startTestProxy([echo.address]);
    hashProxy = await startTestProxy([hash.address]);
  });

  afterAll(async () => {
    await echoProxy?.close();
    await hashProxy?.close();
    await echo?.close();
    await hash?.close();
  });

  it('echoes 32 MiB each way at once, byte-exact', async () => {
    const client = await connectTo(echoProxy.port);
    const [sentHash, received] = await Promise.all([sendGenerated(client, 32 * MiB), receiveAll(client)]);
    expect(received.bytes).toBe(32 * MiB);
    expect(received.sha256).toBe(sentHash);
    const backendStats = echoProxy.stats().backends[0]!;
    expect(backendStats.bytesClientToBackend).toBeGreaterThanOrEqual(32 * MiB);
    expect(backendStats.bytesBackendToClient).toBeGreaterThanOrEqual(32 * MiB);
  });

  it('carries 1 GiB one way with the same SHA-256 at both ends', { timeout: 120_000 }, async () => {
    const client = await connectTo(hashProxy.port, { allowHalfOpen: true });
    const reply = readLine(client, 110_000);
    const sentHash = await sendGenerated(client, 1024 * MiB);
    expect(await reply).toBe(`${1024 * MiB} ${sentHash}`);
  });

  it('passes a client half-close on and keeps the reply direction open', async () => {
    const client = await connectTo(hashProxy.port, { allowHalfOpen: true });
    const reply = readLine(client);
    const sentHash = await sendGenerated(client, 3 * MiB + 17);
    expect(await reply).toBe(`${3 * MiB + 17} ${sentHash}`);
  });

  it('passes a backend half-close on and keeps the client direction open', async () => {
    const greeter = await startGreetingBackend('hello\n');
    const proxy = await startTestProxy([greeter.address]);
    try {
      const client = await connectTo(proxy.port, { allowHalfOpen: true });
      const fromBackend = receiveAll(client);
      expect((await fromBackend).bytes).toBe('hello\n'.length);
      client.end('sent after the backend FIN');
      expect(await eventually(() => greeter.received.length === 1, 5_000)).toBe(true);
      expect(greeter.received[0]!.toString()).toBe('sent after the backend FIN');
    } finally {
      await proxy.close();
      await greeter.close();
    }
  });

  it('falls back to copying when the pipe pool is exhausted, still byte-exact', async () => {
    const proxy = await startTestProxy([echo.address], 'round-robin', { workers: 1, maxPipes: 1 });
    try {
      const transfers = Array.from({ length: 4 }, async () => {
        const client = await connectTo(proxy.port);
        const [sentHash, received] = await Promise.all([sendGenerated(client, 8 * MiB), receiveAll(client)]);
        return received.sha256 === sentHash;
      });
      expect(await Promise.all(transfers)).toEqual([true, true, true, true]);
      expect(proxy.stats().copyFallbacks).toBeGreaterThan(0);
      expect(proxy.stats().pipesCreated).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('relays 300 concurrent connections, each byte-exact', async () => {
    const transfers = Array.from({ length: 300 }, async () => {
      const client = await connectTo(echoProxy.port);
      const [sentHash, received] = await Promise.all([sendGenerated(client, 64 * 1024 + 3), receiveAll(client)]);
      return received.sha256 === sentHash && received.bytes === 64 * 1024 + 3;
    });
    const results = await Promise.all(transfers);
    expect(results.filter((ok) => !ok)).toEqual([]);
    const client = await connectTo(echoProxy.port);
    client.end();
    expect(await waitForEnd(client, 5_000)).toBe('end');
  });
});
