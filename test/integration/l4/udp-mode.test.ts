// The fulcrum binary in udp mode against real UDP servers on loopback (node:dgram echo servers that tag
// their replies): replies reach the right client, each client keeps its backend, least connections
// spreads clients, the reply count and idle timeout end flows, the flow cap holds under a flood, a
// killed backend's clients move on, a reload changes the backends in place, and /stats and /metrics count it all.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getStats, waitForStats } from '../../helpers/admin.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { tempConfigPath, writeConfig } from '../../helpers/config-file.js';
import { CLI, type RunningProcess, startForTest } from '../../helpers/fulcrum-process.js';
import { freePort } from '../../helpers/origins.js';
import { MAX_UDP_PAYLOAD, openUdpClients, startUdpEchoServer, type UdpEchoServer, type UdpTestClient } from '../../helpers/udp-servers.js';

const cleanup = cleanupAfterEach();

/** The reply's text (`id|payload`), or null when none came within `withinMs`. */
function ask(client: UdpTestClient, port: number, payload: Buffer | string, withinMs = 2_000): Promise<string | null> {
  return client.request(port, payload, withinMs).then(
    (reply) => reply.payload.toString(),
    () => null,
  );
}

async function echoServer(id: string): Promise<UdpEchoServer> {
  return cleanup.add(await startUdpEchoServer(id), (server) => void server.kill());
}

async function clients(count: number): Promise<UdpTestClient[]> {
  const opened = await openUdpClients(count);
  for (const client of opened) cleanup.add(client, (open) => void open.close().catch(() => undefined));
  return opened;
}

async function startUdpFulcrum(backends: UdpEchoServer[], env: Record<string, string> = {}) {
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
      ...(backends.length > 0 ? { FULCRUM_BACKENDS: backends.map((backend) => `127.0.0.1:${backend.port}`).join(',') } : {}),
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
  it('returns each reply to its client, keeps each of 100 players on its backend, and spreads them by least connections', async () => {
    const servers = [await echoServer('a'), await echoServer('b')];
    const { port, udp } = await startUdpFulcrum(servers, { FULCRUM_ALGORITHM: 'least-connections' });
    // A game session: 100 players, each sending 10 times; each stays on the server it started on.
    const players = await clients(100);
    const homes = new Map<number, string>();
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        players.map(async (client, index) => {
          const reply = (await ask(client, port, `c${index}r${round}`)) ?? 'lost';
          const [backend, text] = reply.split('|');
          expect(text).toBe(`c${index}r${round}`);
          if (round === 0) homes.set(index, backend as string);
          else expect(backend).toBe(homes.get(index));
        }),
      );
    }
    // Least connections counts open flows: the players split evenly.
    const onA = [...homes.values()].filter((backend) => backend === 'a').length;
    expect(onA).toBeGreaterThanOrEqual(45);
    expect(onA).toBeLessThanOrEqual(55);
    expect(await udp()).toMatchObject({ flowsOpened: 100, flowsActive: 100, datagramsIn: 1_000, datagramsOut: 1_000 });
  });

  it('ends a flow after FULCRUM_UDP_RESPONSES replies, and another after FULCRUM_UDP_IDLE_TIMEOUT', async () => {
    const server = await echoServer('dns');
    const counted = await startUdpFulcrum([server], { FULCRUM_UDP_RESPONSES: '1' });
    const [client] = (await clients(1)) as [UdpTestClient];
    for (let query = 0; query < 3; query++) expect(await ask(client, counted.port, `q${query}`)).toBe(`dns|q${query}`);
    await expect.poll(counted.udp, { timeout: 2_000 }).toMatchObject({ flowsOpened: 3, flowsClosed: 3, flowsActive: 0 });

    const idle = await startUdpFulcrum([server], { FULCRUM_UDP_IDLE_TIMEOUT: '300ms' });
    expect(await ask(client, idle.port, 'hello')).toBe('dns|hello');
    expect((await idle.udp()).flowsActive).toBe(1);
    await expect.poll(idle.udp, { timeout: 3_000 }).toMatchObject({ flowsActive: 0, flowsClosed: 1 });
  });

  it('refuses new clients past FULCRUM_UDP_MAX_FLOWS, counting them, while open flows go on', async () => {
    const server = await echoServer('capped');
    const { port, udp } = await startUdpFulcrum([server], { FULCRUM_UDP_MAX_FLOWS: '10' });
    const flood = await clients(30);
    const replies = await Promise.all(flood.map((client, index) => ask(client, port, `f${index}`, 500)));
    const served = flood.filter((_, index) => replies[index] !== null);
    expect(served).toHaveLength(10);
    expect(await udp()).toMatchObject({ flowsActive: 10, flowsRefused: 20 });
    expect(await ask(served[0] as UdpTestClient, port, 'still')).toBe('capped|still');
  });

  it("moves a killed backend's clients to the other backend on their next datagram", async () => {
    const servers = [await echoServer('dies'), await echoServer('lives')];
    const { port, udp } = await startUdpFulcrum(servers, { FULCRUM_ALGORITHM: 'round-robin' });
    const players = await clients(4);
    await Promise.all(players.map((client) => ask(client, port, 'first')));
    await servers[0]?.kill();
    // The first datagram after the kill meets an ICMP port unreachable; the next goes elsewhere.
    for (const client of players) {
      let reply: string | null = null;
      for (let attempt = 0; attempt < 3 && reply === null; attempt++) reply = await ask(client, port, 'again', 500);
      expect(reply).toBe('lives|again');
    }
    expect((await udp()).backendErrors).toBeGreaterThanOrEqual(1);
  });

  it('passes zero-length and 65,507-byte datagrams whole, and leaks no descriptor over 100,000 flows', async () => {
    const server = await echoServer('big');
    const { fulcrum, port, adminPort, udp } = await startUdpFulcrum([server], { FULCRUM_UDP_RESPONSES: '1' });
    const [client] = (await clients(1)) as [UdpTestClient];
    expect(await ask(client, port, Buffer.alloc(0))).toBe('big|');
    expect((await client.request(port, Buffer.alloc(MAX_UDP_PAYLOAD, 'x'), 2_000)).payload.length).toBe(MAX_UDP_PAYLOAD);
    expect(server.datagrams()).toBe(2);
    const descriptors = () => readdirSync(`/proc/${fulcrum.child.pid}/fd`).length;
    await waitForStats(adminPort, () => true, 1_000);
    const before = descriptors();
    let answered = 0;
    for (let batch = 0; batch < 100; batch++) {
      const senders = await openUdpClients(50);
      for (let round = 0; round < 20; round++) {
        const replies = await Promise.all(senders.map((sender) => ask(sender, port, 'x', 1_000)));
        answered += replies.filter((reply) => reply !== null).length;
      }
      await Promise.all(senders.map((sender) => sender.close()));
    }
    expect(answered).toBeGreaterThan(99_000);
    await expect.poll(udp, { timeout: 3_000 }).toMatchObject({ flowsActive: 0 });
    expect(descriptors()).toBe(before);
    expect((await udp()).emptyDatagrams).toBe(1);
  }, 60_000);

  it('takes a reloaded backend list in place: new flows go to the new backend, no restart', async () => {
    const [before, after] = [await echoServer('before'), await echoServer('after')];
    const configPath = tempConfigPath('fulcrum.yaml');
    writeConfig(configPath, [`backends: ["127.0.0.1:${before.port}"]`]);
    const { fulcrum, port } = await startUdpFulcrum([], { FULCRUM_CONFIG: configPath, FULCRUM_UDP_RESPONSES: '1' });
    const [client] = (await clients(1)) as [UdpTestClient];
    expect(await ask(client, port, 'one')).toBe('before|one');
    writeConfig(configPath, [`backends: ["127.0.0.1:${after.port}"]`]);
    fulcrum.child.kill('SIGHUP');
    await expect.poll(() => ask(client, port, 'two', 300), { timeout: 5_000, interval: 50 }).toBe('after|two');
    expect(fulcrum.child.exitCode).toBeNull();
  });

  it('shows the counters in /metrics', async () => {
    const server = await echoServer('m');
    const { port, adminPort } = await startUdpFulcrum([server]);
    const [client] = (await clients(1)) as [UdpTestClient];
    await ask(client, port, 'x');
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    expect(metrics).toMatch(/fulcrum_udp_total\{counter="datagramsIn"\} 1/);
    expect(metrics).toMatch(/fulcrum_udp_flows_active 1/);
  });
});
