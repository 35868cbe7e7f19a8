// tcp mode's connection-level controls on the native threads: address rules (first match decides), a
// connection-rate limit and a per-IP cap, both exact across 2 loop threads; a refused connection is reset
// right after accept and never reaches the backend. Each test uses its own client address (127.0.0.N), as
// the rate buckets and per-IP counts are process-wide.
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { TcpConnectionRecord } from '../../../src/l4/index.js';
import { eventually } from '../../helpers/l4-client.js';
import { startTestProxy, type TestProxy } from '../../helpers/l4-proxy.js';
import { startEchoBackend, type TestBackend } from '../../helpers/l4-servers.js';

const hasIpv6Loopback = Object.values(networkInterfaces()).some((addresses) => addresses?.some((address) => address.address === '::1'));

type Outcome = 'echo' | 'reset' | 'end' | 'timeout';

/** Connects from `localAddress`, sends a line, and says whether it came back or the connection was reset. */
function tryConnection(port: number, localAddress: string, keep: Socket[] = [], firstLine = ''): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: localAddress.includes(':') ? '::1' : '127.0.0.1', port, localAddress });
    const timer = setTimeout(() => finish('timeout'), 5_000);
    let text = '';
    const finish = (outcome: Outcome): void => {
      clearTimeout(timer);
      if (outcome === 'echo') keep.push(socket);
      else socket.destroy();
      resolve(outcome);
    };
    socket.once('connect', () => socket.write(`${firstLine}ping\n`));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('ping\n')) finish('echo');
    });
    socket.once('end', () => finish('end'));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.code === 'ECONNRESET' ? 'reset' : 'end'));
  });
}

const count = (outcomes: Outcome[], wanted: Outcome) => outcomes.filter((outcome) => outcome === wanted).length;

describe('l4 connection gate', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function echo(): Promise<TestBackend> {
    const backend = await startEchoBackend();
    cleanups.push(() => backend.close());
    return backend;
  }
  async function proxy(
    backend: TestBackend,
    options: Parameters<typeof startTestProxy>[2],
  ): Promise<TestProxy & { records: TcpConnectionRecord[] }> {
    const records: TcpConnectionRecord[] = [];
    const started = await startTestProxy([backend.address], 'round-robin', {
      ...options,
      onConnectionClosed: (batch) => records.push(...batch),
    });
    cleanups.push(() => started.close());
    return Object.assign(started, { records });
  }
  function holding(): Socket[] {
    const sockets: Socket[] = [];
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
    });
    return sockets;
  }

  it('denies by CIDR, first match deciding, and resets the connection before any backend sees it', async () => {
    const backend = await echo();
    const gate = await proxy(backend, {
      accessRules: [
        { name: 'second-address', action: 'deny', cidrs: [{ bytes: [127, 0, 0, 2], prefixLength: 32 }] },
        { name: 'loopback', action: 'allow', cidrs: [{ bytes: [127, 0, 0, 0], prefixLength: 8 }] },
        { name: 'everyone-else', action: 'deny', cidrs: [] },
      ],
    });
    const kept = holding();
    expect(await tryConnection(gate.port, '127.0.0.1', kept)).toBe('echo');
    expect(await tryConnection(gate.port, '127.0.0.2')).toBe('reset');
    expect(await tryConnection(gate.port, '127.0.0.2')).toBe('reset');
    expect(backend.accepted()).toBe(1);
    kept.shift()?.end();
    const stats = gate.stats();
    expect(stats.accessDeniedByRule).toEqual([2, 0, 0]);
    expect(stats.accessAllowedByRule).toEqual([0, 1, 0]);
    expect(gate.connectionVerdicts()).toEqual({
      'second-address': { allowed: 0, denied: 2 },
      loopback: { allowed: 1, denied: 0 },
      'everyone-else': { allowed: 0, denied: 0 },
    });
    expect(await eventually(() => gate.records.length === 3, 3_000)).toBe(true);
    const denied = gate.records.filter((record) => record.end === 'denied');
    expect(denied).toHaveLength(2);
    expect(denied[0]).toMatchObject({ rule: 'second-address', backend: null, connectMs: null, bytesClientToBackend: 0 });
    expect(denied[0]?.client).toMatch(/^127\.0\.0\.2:/);
    expect(gate.records.find((record) => record.end !== 'denied')).toMatchObject({ rule: 'loopback', backend: backend.address });
  });

  it('an allow list with a final deny-all refuses every other address', async () => {
    const backend = await echo();
    const gate = await proxy(backend, {
      accessRules: [
        { name: 'only-one', action: 'allow', cidrs: [{ bytes: [127, 0, 0, 3], prefixLength: 32 }] },
        { name: 'rest', action: 'deny', cidrs: [] },
      ],
    });
    expect(await tryConnection(gate.port, '127.0.0.3')).toBe('echo');
    expect(await tryConnection(gate.port, '127.0.0.1')).toBe('reset');
    expect(gate.connectionVerdicts()).toEqual({ 'only-one': { allowed: 1, denied: 0 }, rest: { allowed: 0, denied: 1 } });
  });

  it.skipIf(!hasIpv6Loopback)(
    'on a dual-stack listener, matches IPv6 clients by IPv6 rules and IPv4 clients (::ffff:a.b.c.d) by IPv4 rules',
    async () => {
      const backend = await echo();
      const gate = await proxy(backend, {
        listen: { host: '::', port: 0 },
        accessRules: [
          { name: 'v6-loopback', action: 'deny', cidrs: [{ bytes: [...new Array<number>(15).fill(0), 1], prefixLength: 128 }] },
          { name: 'second-v4', action: 'deny', cidrs: [{ bytes: [127, 0, 0, 8], prefixLength: 31 }] },
        ],
      });
      expect(await tryConnection(gate.port, '::1')).toBe('reset');
      expect(await tryConnection(gate.port, '127.0.0.9')).toBe('reset');
      expect(await tryConnection(gate.port, '127.0.0.10')).toBe('echo');
      expect(gate.stats().accessDeniedByRule).toEqual([1, 1]);
    },
  );

  it('with acceptProxyProtocol, decides on the client the trusted front reported', async () => {
    const backend = await echo();
    const gate = await proxy(backend, {
      acceptProxyProtocol: true,
      accessRules: [{ name: 'bad-net', action: 'deny', cidrs: [{ bytes: [10, 66, 0, 0], prefixLength: 16 }] }],
    });
    expect(await tryConnection(gate.port, '127.0.0.1', [], 'PROXY TCP4 10.66.1.2 127.0.0.1 5555 80\r\n')).toBe('reset');
    expect(await tryConnection(gate.port, '127.0.0.1', [], 'PROXY TCP4 10.67.1.2 127.0.0.1 5555 80\r\n')).toBe('echo');
    expect(backend.accepted()).toBe(1);
    expect(gate.stats().accessDeniedByRule).toEqual([1]);
  });

  it('limits the connection rate per client IP exactly across 2 threads', async () => {
    const backend = await echo();
    // One token an hour: nothing refills while 24 connections race for the 6 of the burst.
    const gate = await proxy(backend, { workers: 2, connectionRate: { name: 'per-ip', ratePerSecond: 1 / 3600, burst: 6 } });
    const kept = holding();
    const first = await Promise.all(Array.from({ length: 24 }, () => tryConnection(gate.port, '127.0.0.4', kept)));
    expect([count(first, 'echo'), count(first, 'reset')]).toEqual([6, 18]);
    // Another client has its own bucket.
    const other = await Promise.all(Array.from({ length: 8 }, () => tryConnection(gate.port, '127.0.0.5', kept)));
    expect(count(other, 'echo')).toBe(6);
    expect(backend.accepted()).toBe(12);
    expect(gate.stats().connectionsLimited).toBe(20);
    expect(gate.connectionVerdicts()).toEqual({ 'per-ip': { limited: 20 } });
    expect(await eventually(() => gate.records.filter((record) => record.end === 'limited').length === 20, 3_000)).toBe(true);
  });

  it('caps concurrent connections per client IP across 2 threads, and lets one in again after one closes', async () => {
    const backend = await echo();
    const gate = await proxy(backend, { workers: 2, maxConnectionsPerIp: 3 });
    const kept = holding();
    const opened = await Promise.all(Array.from({ length: 10 }, () => tryConnection(gate.port, '127.0.0.6', kept)));
    expect([count(opened, 'echo'), count(opened, 'reset')]).toEqual([3, 7]);
    expect(await tryConnection(gate.port, '127.0.0.6', kept)).toBe('reset');
    expect(await tryConnection(gate.port, '127.0.0.7', kept)).toBe('echo'); // another client is not capped
    kept.shift()?.destroy();
    expect(await eventually(() => gate.stats().activeConnections === 3, 3_000)).toBe(true);
    expect(await tryConnection(gate.port, '127.0.0.6', kept)).toBe('echo');
    expect(await tryConnection(gate.port, '127.0.0.6', kept)).toBe('reset');
    expect(gate.stats().connectionsCapped).toBe(9);
    expect(gate.connectionVerdicts()).toEqual({ maxConnectionsPerIp: { capped: 9 } });
    expect(backend.accepted()).toBe(5);
  });
});
