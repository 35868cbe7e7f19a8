// The fulcrum binary in udp mode against real UDP servers on loopback (node:dgram echo servers that tag
// their replies): replies reach the right client, each client keeps its backend, least connections
// spreads clients, the reply count and idle timeout end flows, the flow cap holds under a flood, a
// killed backend's clients move on, and /stats and /metrics count it all.
import { createSocket, type Socket } from 'node:dgram';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getStats, waitForStats } from '../../helpers/admin.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { CLI, type RunningProcess, startForTest } from '../../helpers/fulcrum-process.js';
import { freePort } from '../../helpers/origins.js';

const cleanup = cleanupAfterEach();

interface EchoServer {
  port: number;
  /** Distinct client addresses seen. */
  clients: Set<string>;
  datagrams: number;
  close(): void;
}

/** Answers each datagram with `name:` and the datagram, so a client sees which backend served it. */
async function startEchoServer(name: string): Promise<EchoServer> {
  const socket = createSocket('udp4');
  const server: EchoServer = { port: 0, clients: new Set(), datagrams: 0, close: () => socket.close() };
  socket.on('message', (datagram, from) => {
    server.datagrams++;
    server.clients.add(`${from.address}:${from.port}`);
    socket.send(Buffer.concat([Buffer.from(`${name}:`), datagram]), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  server.port = socket.address().port;
  return cleanup.add(server, (started) => {
    try {
      started.close();
    } catch {
      // Closed by the test (a killed backend).
    }
  });
}

/** A client from its own port: sends, and resolves with the next reply (null after `withinMs`). */
async function openClient(): Promise<{
  ask(port: number, text: Buffer | string, withinMs?: number): Promise<Buffer | null>;
  socket: Socket;
}> {
  const socket = cleanup.add(createSocket('udp4'), (opened) => opened.close());
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const replies: Buffer[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (reply) => {
    replies.push(reply);
    waiters.shift()?.();
  });
  return {
    socket,
    ask: async (port, text, withinMs = 2_000) => {
      socket.send(text, port, '127.0.0.1');
      if (replies.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, withinMs);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return replies.shift() ?? null;
    },
  };
}

async function startUdpFulcrum(backends: EchoServer[], env: Record<string, string> = {}) {
  const port = await freePort();
  const adminPort = await freePort();
  const fulcrum: RunningProcess = await startForTest(
    cleanup,
    CLI,
    [],
    {
      FULCRUM_MODE: 'udp',
      FULCRUM_LISTEN: `127.0.0.1:${port}`,
      FULCRUM_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
      FULCRUM_BACKENDS: backends.map((backend) => `127.0.0.1:${backend.port}`).join(','),
      FULCRUM_WORKERS: '2',
      FULCRUM_LOG_LEVEL: 'info',
      ...env,
    },
    'fulcrum is serving',
  );
  const udp = async () => (await getStats(adminPort)).dataPlane.udp as unknown as Record<string, number>;
  return { fulcrum, port, adminPort, udp };
}

describe('udp mode', () => {
  it('returns each reply to its client, keeps a client on its backend, and spreads clients by least connections', async () => {
    const servers = [await startEchoServer('a'), await startEchoServer('b')];
    const { port, udp } = await startUdpFulcrum(servers, { FULCRUM_ALGORITHM: 'least-connections' });
    const clients = await Promise.all(Array.from({ length: 20 }, () => openClient()));
    const homes = new Map<number, string>();
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        clients.map(async (client, index) => {
          const reply = (await client.ask(port, `c${index}r${round}`))?.toString() ?? 'lost';
          const [backend, text] = reply.split(':');
          expect(text).toBe(`c${index}r${round}`);
          if (round === 0) homes.set(index, backend as string);
          else expect(backend).toBe(homes.get(index));
        }),
      );
    }
    const perBackend = [...homes.values()].filter((backend) => backend === 'a').length;
    expect(perBackend).toBeGreaterThanOrEqual(8);
    expect(perBackend).toBeLessThanOrEqual(12);
    expect(await udp()).toMatchObject({ flowsOpened: 20, flowsActive: 20, datagramsIn: 100, datagramsOut: 100 });
  });

  it('ends a flow after FULCRUM_UDP_RESPONSES replies, and another after FULCRUM_UDP_IDLE_TIMEOUT', async () => {
    const server = await startEchoServer('dns');
    const counted = await startUdpFulcrum([server], { FULCRUM_UDP_RESPONSES: '1' });
    const client = await openClient();
    for (let query = 0; query < 3; query++) expect((await client.ask(counted.port, `q${query}`))?.toString()).toBe(`dns:q${query}`);
    await expect.poll(counted.udp, { timeout: 2_000 }).toMatchObject({ flowsOpened: 3, flowsClosed: 3, flowsActive: 0 });

    const idle = await startUdpFulcrum([server], { FULCRUM_UDP_IDLE_TIMEOUT: '300ms' });
    expect((await client.ask(idle.port, 'hello'))?.toString()).toBe('dns:hello');
    expect((await idle.udp()).flowsActive).toBe(1);
    await expect.poll(idle.udp, { timeout: 3_000 }).toMatchObject({ flowsActive: 0, flowsClosed: 1 });
  });

  it('refuses new clients past FULCRUM_UDP_MAX_FLOWS, counting them, while open flows go on', async () => {
    const server = await startEchoServer('capped');
    const { port, udp } = await startUdpFulcrum([server], { FULCRUM_UDP_MAX_FLOWS: '10' });
    const clients = await Promise.all(Array.from({ length: 30 }, () => openClient()));
    const replies = await Promise.all(clients.map((client, index) => client.ask(port, `f${index}`, 500)));
    expect(replies.filter((reply) => reply !== null)).toHaveLength(10);
    expect(await udp()).toMatchObject({ flowsActive: 10, flowsRefused: 20 });
    expect((await clients[0]?.ask(port, 'still'))?.toString()).toBe('capped:still');
  });

  it("moves a killed backend's clients to the other backend on their next datagram", async () => {
    const servers = [await startEchoServer('dies'), await startEchoServer('lives')];
    const { port, udp } = await startUdpFulcrum(servers, { FULCRUM_ALGORITHM: 'round-robin' });
    const clients = await Promise.all(Array.from({ length: 4 }, () => openClient()));
    await Promise.all(clients.map((client) => client.ask(port, 'first')));
    servers[0]?.close();
    // The first datagram after the kill meets an ICMP port unreachable; the next goes elsewhere.
    for (const client of clients) {
      let reply: string | null = null;
      for (let attempt = 0; attempt < 3 && reply === null; attempt++) reply = (await client.ask(port, 'again', 500))?.toString() ?? null;
      expect(reply).toBe('lives:again');
    }
    expect((await udp()).backendErrors).toBeGreaterThanOrEqual(1);
  });

  it('passes zero-length and 65,507-byte datagrams whole, and leaks no descriptor over 20,000 flows', async () => {
    const server = await startEchoServer('big');
    const { fulcrum, port, adminPort, udp } = await startUdpFulcrum([server], { FULCRUM_UDP_RESPONSES: '1' });
    const client = await openClient();
    expect((await client.ask(port, Buffer.alloc(0)))?.toString()).toBe('big:');
    const large = Buffer.alloc(65_507 - 'big:'.length, 'x');
    expect((await client.ask(port, large))?.length).toBe(65_507);
    const descriptors = () => readdirSync(`/proc/${fulcrum.child.pid}/fd`).length;
    await waitForStats(adminPort, () => true, 1_000);
    const before = descriptors();
    let answered = 0;
    for (let batch = 0; batch < 20; batch++) {
      const senders = await Promise.all(Array.from({ length: 50 }, () => openClient()));
      for (let round = 0; round < 20; round++) {
        const replies = await Promise.all(senders.map((sender) => sender.ask(port, 'x', 1_000)));
        answered += replies.filter((reply) => reply !== null).length;
      }
      for (const sender of senders) sender.socket.close();
    }
    expect(answered).toBeGreaterThan(19_000);
    await expect.poll(udp, { timeout: 3_000 }).toMatchObject({ flowsActive: 0 });
    expect(descriptors()).toBe(before);
    expect((await udp()).emptyDatagrams).toBe(1);
  }, 60_000);

  it('shows the counters in /metrics', async () => {
    const server = await startEchoServer('m');
    const { port, adminPort } = await startUdpFulcrum([server]);
    const client = await openClient();
    await client.ask(port, 'x');
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    expect(metrics).toMatch(/fulcrum_udp_total\{counter="datagramsIn"\} 1/);
    expect(metrics).toMatch(/fulcrum_udp_flows_active 1/);
  });
});
