// The native UDP engine (l4.UdpListener) driven directly, against real node:dgram echo servers on loopback.
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createPool, destroyPool, openPool } from '../../../src/balance/index.js';
import type { NativeUdpListener, NativeUdpListenerOptions, NativeUdpStats } from '../../../src/native/addon-types.js';
import { native } from '../../../src/native/load.js';
import { eventually } from '../../helpers/l4-client.js';
import { closedUdpPort, startUdpEcho, type UdpClient, type UdpEchoServer, udpClient } from '../../helpers/udp-echo.js';

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * The stats once `expected` holds, or after 2 s. A loop thread counts a reply once sendmmsg returned,
 * which can be after the client already has it, so counters of the reply path are awaited, not read.
 */
async function statsReaching(listener: NativeUdpListener, expected: Partial<NativeUdpStats>): Promise<NativeUdpStats> {
  const matches = (): boolean => {
    const stats = listener.stats();
    return Object.entries(expected).every(([name, value]) => stats[name as keyof NativeUdpStats] === value);
  };
  await eventually(matches, 2_000);
  return listener.stats();
}

function tagOf(reply: Buffer | null): string | undefined {
  return reply?.toString().split(':')[0];
}

let poolCount = 0;

describe('native UDP engine', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function echo(id: string, style?: Parameters<typeof startUdpEcho>[1], host?: string): Promise<UdpEchoServer> {
    const server = await startUdpEcho(id, style, host);
    cleanups.push(() => server.close());
    return server;
  }
  async function client(port: number, localAddress?: string, proxyHost?: string): Promise<UdpClient> {
    const started = await udpClient(port, localAddress, proxyHost);
    cleanups.push(() => started.close());
    return started;
  }
  function listen(
    backends: string[],
    options: Partial<NativeUdpListenerOptions> = {},
    algorithm = 'round-robin',
  ): { listener: NativeUdpListener; poolName: string } {
    poolCount += 1;
    const poolName = `udp-native-${process.pid}-${poolCount}`;
    createPool({ name: poolName, algorithm: algorithm as 'round-robin', backends: backends.map((address) => ({ address })) });
    const listener = new native.l4.UdpListener({
      host: '127.0.0.1',
      port: 0,
      poolName,
      workers: 2,
      idleTimeoutMs: 10_000,
      maxFlows: 1_000,
      responses: 0,
      perPacket: false,
      ...options,
    });
    cleanups.push(async () => {
      await listener.drain(0);
      destroyPool(poolName);
    });
    return { listener, poolName };
  }

  it('sends replies to the right client, keeps each client on its backend, and spreads new clients round robin', async () => {
    const servers = [await echo('A'), await echo('B')];
    const { listener, poolName } = listen(servers.map((server) => server.address));
    const clients = await Promise.all(Array.from({ length: 6 }, () => client(listener.port)));
    const backendsOf: Array<Set<string>> = clients.map(() => new Set());
    for (let round = 0; round < 5; round += 1) {
      for (const [index, peer] of clients.entries()) {
        const reply = await peer.ask(`client${index}-${round}`);
        expect(reply?.toString()).toMatch(new RegExp(`^[AB]:client${index}-${round}$`));
        backendsOf[index]!.add(tagOf(reply)!);
      }
    }
    for (const chosen of backendsOf) expect(chosen.size).toBe(1);
    const perBackend = ['A', 'B'].map((id) => backendsOf.filter((chosen) => chosen.has(id)).length);
    expect(perBackend).toEqual([3, 3]);
    const stats = await statsReaching(listener, { datagramsOut: 30 });
    expect(stats).toMatchObject({ flowsOpened: 6, flowsActive: 6, datagramsIn: 30, datagramsOut: 30 });
    expect(stats).toMatchObject({ backendDatagramsOut: 30, backendDatagramsIn: 30, flowsRefused: 0 });
    // Least-connections counts open flows: each flow is one active pick until it closes.
    expect(
      openPool(poolName)
        .snapshot()
        .backends.map((backend) => backend.activeConnections),
    ).toEqual([3, 3]);
    expect(await listener.drain(0)).toEqual({ forcedCloses: 6 });
    expect(
      openPool(poolName)
        .snapshot()
        .backends.map((backend) => backend.activeConnections),
    ).toEqual([0, 0]);
  });

  it('closes a flow after `responses` replies, and counts a flow that got none as a timeout', async () => {
    const answering = await echo('A');
    const { listener } = listen([answering.address], { responses: 1 });
    const peer = await client(listener.port);
    for (let query = 0; query < 3; query += 1) expect((await peer.ask(`q${query}`))?.toString()).toBe(`A:q${query}`);
    expect(await eventually(() => listener.stats().flowsClosed === 3, 2_000)).toBe(true);
    expect(listener.stats()).toMatchObject({ flowsOpened: 3, flowsActive: 0, timeouts: 0 });
    // Three flows, three source ports at the backend: each reply ended its flow and closed its socket.
    expect(answering.sources().size).toBe(3);

    const silent = await echo('S', 'silent');
    const { listener: toSilent, poolName } = listen([silent.address], { responses: 1, idleTimeoutMs: 200 });
    const waiting = await client(toSilent.port);
    expect(await waiting.ask('anyone?', 100)).toBeNull();
    expect(await eventually(() => toSilent.stats().flowsClosed === 1, 3_000)).toBe(true);
    expect(toSilent.stats()).toMatchObject({ timeouts: 1, flowsActive: 0 });
    expect(openPool(poolName).snapshot().backends[0]).toMatchObject({ activeConnections: 0, failures: 1 });
  });

  it('expects `responses` replies per client datagram, so queries sent before the first answer all get theirs', async () => {
    const server = await echo('A');
    const { listener } = listen([server.address], { responses: 1 });
    const peer = await client(listener.port);
    const replies: string[] = [];
    peer.socket.on('message', (reply: Buffer) => replies.push(reply.toString()));
    for (const query of ['q1', 'q2', 'q3']) peer.socket.send(query, listener.port, '127.0.0.1');
    expect(await eventually(() => replies.length === 3, 2_000)).toBe(true);
    expect(replies.sort()).toEqual(['A:q1', 'A:q2', 'A:q3']);
    expect(await eventually(() => listener.stats().flowsClosed === 1, 2_000)).toBe(true);
    expect(listener.stats()).toMatchObject({ flowsOpened: 1, flowsActive: 0, backendDatagramsIn: 3 });
  });

  it('never forwards a reply a backend sends from another port (the connected flow socket filters it)', async () => {
    const stray = await echo('X', 'other-port');
    const { listener } = listen([stray.address], { responses: 1, idleTimeoutMs: 200 });
    const peer = await client(listener.port);
    expect(await peer.ask('hello?', 300)).toBeNull();
    expect(stray.received()).toBe(1);
    expect(await eventually(() => listener.stats().flowsClosed === 1, 3_000)).toBe(true);
    expect(listener.stats()).toMatchObject({ backendDatagramsIn: 0, datagramsOut: 0, timeouts: 1 });
  });

  it('closes idle flows after idleTimeoutMs, and a later datagram opens a new flow', async () => {
    const server = await echo('A');
    const { listener } = listen([server.address], { idleTimeoutMs: 200 });
    const peer = await client(listener.port);
    expect((await peer.ask('one'))?.toString()).toBe('A:one');
    expect(listener.stats().flowsActive).toBe(1);
    expect(await eventually(() => listener.stats().flowsActive === 0, 3_000)).toBe(true);
    expect(listener.stats()).toMatchObject({ flowsClosed: 1, timeouts: 0 });
    expect((await peer.ask('two'))?.toString()).toBe('A:two');
    expect(listener.stats()).toMatchObject({ flowsOpened: 2, flowsActive: 1 });
  });

  it('refuses new clients over maxFlows with a counted drop and keeps serving the open flows', async () => {
    const server = await echo('A');
    const { listener } = listen([server.address], { maxFlows: 3 });
    const peers = await Promise.all(Array.from({ length: 5 }, () => client(listener.port)));
    for (const peer of peers.slice(0, 3)) expect(await peer.ask('in')).not.toBeNull();
    for (const peer of peers.slice(3)) peer.socket.send('over', listener.port, '127.0.0.1');
    expect(await eventually(() => listener.stats().flowsRefused === 2, 2_000)).toBe(true);
    expect(listener.stats()).toMatchObject({ flowsActive: 3, flowsOpened: 3 });
    expect(server.received()).toBe(3);
    for (const peer of peers.slice(0, 3)) expect((await peer.ask('still'))?.toString()).toBe('A:still');
  });

  it('forwards a zero-length datagram and a 65,507-byte one whole, both ways', async () => {
    const server = await echo('P', 'plain');
    const { listener } = listen([server.address]);
    const peer = await client(listener.port);
    const empty = await peer.ask(Buffer.alloc(0));
    expect(empty).not.toBeNull();
    expect(empty!.length).toBe(0);
    const largest = Buffer.alloc(65_507);
    for (let index = 0; index < largest.length; index += 1) largest[index] = (index * 7919) & 0xff;
    const reply = await peer.ask(largest);
    expect(reply?.equals(largest)).toBe(true);
    const stats = await statsReaching(listener, { bytesOut: 65_507 });
    expect(stats).toMatchObject({ emptyDatagrams: 1, bytesIn: 65_507, bytesOut: 65_507, sendErrors: 0 });
  });

  it('counts ECONNREFUSED from a closed backend port and sends the next datagram to a live backend', async () => {
    const dead = await closedUdpPort();
    const live = await echo('L');
    // Consistent hashing keeps a client on its backend; only the avoid after a refusal moves it.
    const { listener, poolName } = listen([dead, live.address], {}, 'consistent-hash');
    let refused = 0;
    for (let last = 2; last <= 17; last += 1) {
      const peer = await client(listener.port, `127.0.0.${last}`);
      const replies: string[] = [];
      peer.socket.on('message', (reply: Buffer) => replies.push(reply.toString()));
      const errorsBefore = listener.stats().backendErrors;
      peer.socket.send(`first${last}`, listener.port, '127.0.0.1');
      // Either the live backend answers or the dead one's ICMP error is counted; whichever comes first.
      expect(await eventually(() => replies.length > 0 || listener.stats().backendErrors > errorsBefore, 3_000)).toBe(true);
      if (replies.length > 0) {
        expect(replies).toEqual([`L:first${last}`]);
        continue;
      }
      expect(listener.stats().backendErrors).toBe(errorsBefore + 1);
      refused += 1;
      peer.socket.send(`second${last}`, listener.port, '127.0.0.1');
      expect(await eventually(() => replies.length > 0, 3_000)).toBe(true);
      expect(replies).toEqual([`L:second${last}`]);
    }
    expect(refused).toBeGreaterThan(0);
    const deadBackend = openPool(poolName).snapshot().backends[0]!;
    expect(deadBackend).toMatchObject({ activeConnections: 0, failures: refused });
  });

  it('balances each datagram on its own with perPacket, replies still reaching the client', async () => {
    const servers = [await echo('A'), await echo('B')];
    const { listener } = listen(
      servers.map((server) => server.address),
      { perPacket: true },
    );
    const peer = await client(listener.port);
    const tags: string[] = [];
    for (let index = 0; index < 4; index += 1) tags.push(tagOf(await peer.ask(`d${index}`))!);
    expect(new Set(tags)).toEqual(new Set(['A', 'B']));
    expect(await statsReaching(listener, { datagramsOut: 4 })).toMatchObject({ flowsOpened: 2, flowsActive: 2, datagramsOut: 4 });
  });

  it('serves IPv6 clients', async () => {
    const server = await echo('six', 'tagged', '::1');
    const { listener } = listen([server.address], { host: '::1' });
    const peer = await client(listener.port, '::1', '::1');
    expect((await peer.ask('hello'))?.toString()).toBe('six:hello');
  });

  it('leaks no descriptor over 10,000 flows with responses: 1', async () => {
    const server = await echo('A');
    const { listener } = listen([server.address], { responses: 1 });
    const peers = await Promise.all(Array.from({ length: 50 }, () => client(listener.port)));
    const before = openDescriptors();
    const started = Date.now();
    await Promise.all(
      peers.map(async (peer, index) => {
        for (let query = 0; query < 200; query += 1) expect(await peer.ask(`${index}-${query}`)).not.toBeNull();
      }),
    );
    expect(await eventually(() => listener.stats().flowsClosed === 10_000, 5_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(listener.stats()).toMatchObject({ flowsOpened: 10_000, flowsActive: 0, socketErrors: 0 });
    expect(openDescriptors()).toBe(before);
  }, 30_000);

  it('drains: open flows keep being served, new clients are dropped, the rest close at the deadline', async () => {
    const server = await echo('A');
    // One loop: with two, a loop without flows ends at once, and a datagram the kernel hashes to its
    // socket in the moment before close() is gone uncounted.
    const { listener } = listen([server.address], { workers: 1 });
    const first = await client(listener.port);
    const second = await client(listener.port);
    expect(await first.ask('a')).not.toBeNull();
    expect(await second.ask('b')).not.toBeNull();
    const drained = listener.drain(400);
    expect((await first.ask('during'))?.toString()).toBe('A:during');
    const late = await client(listener.port);
    late.socket.send('new', listener.port, '127.0.0.1');
    expect(await eventually(() => listener.stats().drainDrops === 1, 1_000)).toBe(true);
    expect(await drained).toEqual({ forcedCloses: 2 });
    expect(listener.stats()).toMatchObject({ flowsActive: 0, flowsOpened: 2 });
  });

  it('reports a missing pool and a bad host with codes', () => {
    const base = { port: 0, workers: 1, idleTimeoutMs: 1_000, maxFlows: 10, responses: 0, perPacket: false };
    expect(() => new native.l4.UdpListener({ ...base, host: '127.0.0.1', poolName: 'no-such-pool' })).toThrow(
      expect.objectContaining({ code: 'POOL' }),
    );
    const { poolName } = listen(['127.0.0.1:9']);
    expect(() => new native.l4.UdpListener({ ...base, host: 'localhost', poolName })).toThrow(expect.objectContaining({ code: 'ADDRESS' }));
  });
});
