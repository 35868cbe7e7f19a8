// The TCP access log: one record per closed connection, with addresses, bytes, times and how it ended,
// both from startTcpProxy's onConnectionClosed and as pino lines from `FULCRUM_MODE=tcp FULCRUM_ACCESS_LOG=true`.
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { TcpConnectionRecord } from '../../../src/l4/index.js';
import { CLI, startProcess } from '../../helpers/fulcrum-process.js';
import { connectTo, connectWriteAndWaitForEnd, eventually, readLine, waitForEnd } from '../../helpers/l4-client.js';
import { startTestProxy, type TestProxy } from '../../helpers/l4-proxy.js';
import {
  startEchoBackend,
  startGreetingBackend,
  startHoldingBackend,
  startResettingBackend,
  type TestBackend,
} from '../../helpers/l4-servers.js';
import { freePort } from '../../helpers/origins.js';

const hasIpv6Loopback = Object.values(networkInterfaces()).some((addresses) => addresses?.some((address) => address.address === '::1'));

describe('l4 access log', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function backend<T extends TestBackend>(start: Promise<T>): Promise<T> {
    const started = await start;
    cleanups.push(() => started.close());
    return started;
  }
  /** A proxy whose closed-connection records land in `records`. */
  async function loggingProxy(
    backends: string[],
    options: Parameters<typeof startTestProxy>[2] = {},
  ): Promise<TestProxy & { records: TcpConnectionRecord[] }> {
    const records: TcpConnectionRecord[] = [];
    const proxy = await startTestProxy(backends, 'round-robin', {
      ...options,
      onConnectionClosed: (batch) => records.push(...batch),
    });
    cleanups.push(() => proxy.close());
    return Object.assign(proxy, { records });
  }
  async function oneRecord(records: TcpConnectionRecord[]): Promise<TcpConnectionRecord> {
    expect(await eventually(() => records.length > 0, 3_000)).toBe(true);
    expect(records).toHaveLength(1);
    return records[0]!;
  }

  it('logs a client-first close with both addresses, bytes each way, duration and connect time', async () => {
    const echo = await backend(startEchoBackend());
    const proxy = await loggingProxy([echo.address]);
    const client = await connectTo(proxy.port, { allowHalfOpen: true });
    const clientPort = client.localPort;
    const reply = readLine(client);
    client.write('hello there\n');
    expect(await reply).toBe('hello there');
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.end();
    expect(await waitForEnd(client, 3_000)).toBe('end');
    client.destroy();
    const record = await oneRecord(proxy.records);
    expect(record).toMatchObject({
      client: `127.0.0.1:${clientPort}`,
      backend: echo.address,
      bytesClientToBackend: 12,
      bytesBackendToClient: 12,
      end: 'client-close',
    });
    expect(record.durationMs).toBeGreaterThanOrEqual(50);
    expect(record.connectMs).toBeGreaterThanOrEqual(0);
    expect(record.connectMs!).toBeLessThan(record.durationMs);
    expect(Math.abs(record.closedAt - Date.now())).toBeLessThan(5_000);
  });

  it('logs a backend-first close', async () => {
    const greeting = await backend(startGreetingBackend('welcome\n'));
    const proxy = await loggingProxy([greeting.address]);
    const client = await connectTo(proxy.port, { allowHalfOpen: true });
    expect(await readLine(client)).toBe('welcome');
    client.end('bye');
    const record = await oneRecord(proxy.records);
    expect(record).toMatchObject({ end: 'backend-close', bytesClientToBackend: 3, bytesBackendToClient: 8 });
    client.destroy();
  });

  it('logs resets, idle timeouts, connect failures and drains', async () => {
    const resetting = await backend(startResettingBackend('on-data'));
    const resetProxy = await loggingProxy([resetting.address]);
    const resetClient = await connectTo(resetProxy.port);
    const ended = waitForEnd(resetClient, 3_000);
    resetClient.write('boom');
    expect(await ended).toBe('reset');
    expect((await oneRecord(resetProxy.records)).end).toBe('reset');

    const holding = await backend(startHoldingBackend());
    const idleProxy = await loggingProxy([holding.address], { idleTimeoutMs: 150 });
    const idleClient = await connectTo(idleProxy.port);
    expect(await waitForEnd(idleClient, 3_000)).toBe('end');
    const idle = await oneRecord(idleProxy.records);
    expect(idle).toMatchObject({ end: 'idle-timeout', backend: holding.address, bytesClientToBackend: 0 });
    expect(idle.durationMs).toBeGreaterThanOrEqual(140);

    const dead = await startEchoBackend();
    await dead.close();
    const failingProxy = await loggingProxy([dead.address], { retries: 0 });
    // The reset can beat the client's own connect completion: connectWriteAndWaitForEnd counts both as 'reset'.
    expect(await connectWriteAndWaitForEnd(failingProxy.port, '', 3_000)).toBe('reset');
    expect(await oneRecord(failingProxy.records)).toMatchObject({
      end: 'connect-failure',
      backend: dead.address,
      connectMs: null,
    });

    const drainedProxy = await loggingProxy([holding.address]);
    const lingering = await connectTo(drainedProxy.port);
    expect(await eventually(() => drainedProxy.stats().activeConnections === 1, 2_000)).toBe(true);
    const ending = waitForEnd(lingering, 3_000);
    await drainedProxy.drain(100);
    // The last records are handed over when drain() resolves, after the threads are joined.
    expect(drainedProxy.records.map((record) => record.end)).toEqual(['drain']);
    await ending;
  });

  it.skipIf(!hasIpv6Loopback)('writes IPv6 clients in brackets', async () => {
    const echo = await backend(startEchoBackend());
    const records: TcpConnectionRecord[] = [];
    const proxy = await startTestProxy([echo.address], 'round-robin', {
      listen: { host: '::1', port: 0 },
      onConnectionClosed: (batch) => records.push(...batch),
    });
    cleanups.push(() => proxy.close());
    const client = connect({ host: '::1', port: proxy.port });
    await new Promise((resolve) => client.once('connect', resolve));
    const clientPort = client.localPort;
    client.end();
    await waitForEnd(client, 3_000);
    expect((await oneRecord(records)).client).toBe(`[::1]:${clientPort}`);
  });

  it('FULCRUM_ACCESS_LOG=true in tcp mode writes one pino line per connection', async () => {
    const echo = await backend(startEchoBackend());
    const [port, admin] = [await freePort(), await freePort()];
    const fulcrum = await startProcess(
      CLI,
      [],
      {
        FULCRUM_MODE: 'tcp',
        FULCRUM_BACKENDS: echo.address,
        FULCRUM_LISTEN: `127.0.0.1:${port}`,
        FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`,
        FULCRUM_WORKERS: '1',
        FULCRUM_ACCESS_LOG: 'true',
      },
      'fulcrum is serving',
    );
    cleanups.push(() => {
      fulcrum.child.kill('SIGKILL');
    });
    const client = await connectTo(port, { allowHalfOpen: true });
    const clientPort = client.localPort;
    const reply = readLine(client);
    client.end('ping\n');
    expect(await reply).toBe('ping');
    await waitForEnd(client, 3_000);
    const logged = (): Record<string, unknown> | undefined =>
      fulcrum
        .output()
        .split('\n')
        .filter((line) => line.includes('"tcp connection"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)[0];
    expect(await eventually(() => logged() !== undefined, 3_000)).toBe(true);
    expect(logged()).toMatchObject({
      level: 30,
      msg: 'tcp connection',
      client: `127.0.0.1:${clientPort}`,
      backend: echo.address,
      bytesClientToBackend: 5,
      bytesBackendToClient: 5,
      end: 'client-close',
    });
    fulcrum.child.kill('SIGTERM');
    expect(await fulcrum.exited).toBe(0);
  });
});
