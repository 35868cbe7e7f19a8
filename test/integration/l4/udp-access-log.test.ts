// The UDP flow log: `FULCRUM_MODE=udp FULCRUM_ACCESS_LOG=true` writes one pino 'udp flow' line per closed flow
// (native/l4/udp_access_log.h's record, decoded by src/l4/udp-access-log.ts), with the client, the backend, the
// datagrams and bytes each way, the duration and why the flow ended.
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { CLI, type RunningProcess, startForTest } from '../../helpers/fulcrum-process.js';
import { freePort } from '../../helpers/origins.js';
import { openUdpClients, startUdpEchoServer, type UdpEchoServer, type UdpTestClient } from '../../helpers/udp-servers.js';

const cleanup = cleanupAfterEach();

async function echoServer(id: string): Promise<UdpEchoServer> {
  return cleanup.add(await startUdpEchoServer(id), (server) => void server.kill());
}

async function startLoggingFulcrum(backends: UdpEchoServer[], env: Record<string, string>) {
  const port = await freePort();
  const fulcrum: RunningProcess = await startForTest(
    cleanup,
    CLI,
    [],
    {
      FULCRUM_MODE: 'udp',
      FULCRUM_LISTEN: `127.0.0.1:${port}`,
      FULCRUM_ADMIN_LISTEN: `127.0.0.1:${await freePort()}`,
      FULCRUM_BACKENDS: backends.map((backend) => backend.address).join(','),
      FULCRUM_WORKERS: '2',
      FULCRUM_LOG_LEVEL: 'info',
      FULCRUM_ACCESS_LOG: 'true',
      ...env,
    },
    'fulcrum is serving',
  );
  /** The 'udp flow' lines written so far (the native rings are polled every 250 ms). */
  const flows = (): Record<string, unknown>[] =>
    fulcrum
      .output()
      .split('\n')
      .filter((line) => line.includes('"udp flow"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { port, flows };
}

async function clients(count: number): Promise<UdpTestClient[]> {
  const opened = await openUdpClients(count);
  for (const client of opened) cleanup.add(client, (open) => void open.close().catch(() => undefined));
  return opened;
}

describe('udp access log', () => {
  it('logs one line for a flow ended by its replies and one for a flow ended by the idle timeout', async () => {
    const server = await echoServer('echo');
    const [answered, idle] = (await clients(2)) as [UdpTestClient, UdpTestClient];
    // One reply per datagram: the flow ends on the reply. "echo|" prefixes each reply.
    const counted = await startLoggingFulcrum([server], { FULCRUM_UDP_RESPONSES: '1' });
    expect((await answered.request(counted.port, 'one')).payload.toString()).toBe('echo|one');
    await expect.poll(() => counted.flows().length, { timeout: 3_000 }).toBe(1);
    expect(counted.flows()[0]).toMatchObject({
      level: 30,
      msg: 'udp flow',
      client: `127.0.0.1:${answered.port}`,
      backend: server.address,
      backendIndex: 0,
      datagramsClientToBackend: 1,
      bytesClientToBackend: 3,
      datagramsBackendToClient: 1,
      bytesBackendToClient: 8,
      end: 'responses',
    });

    // No reply count: the flow lives until nothing moved for the idle timeout.
    const timed = await startLoggingFulcrum([server], { FULCRUM_UDP_RESPONSES: '0', FULCRUM_UDP_IDLE_TIMEOUT: '300ms' });
    expect((await idle.request(timed.port, 'hi')).payload.toString()).toBe('echo|hi');
    expect((await idle.request(timed.port, 'there')).payload.toString()).toBe('echo|there');
    await expect.poll(() => timed.flows().length, { timeout: 3_000 }).toBe(1);
    const idled = timed.flows()[0];
    expect(idled).toMatchObject({
      client: `127.0.0.1:${idle.port}`,
      backend: server.address,
      datagramsClientToBackend: 2,
      bytesClientToBackend: 7,
      datagramsBackendToClient: 2,
      bytesBackendToClient: 17,
      end: 'idle',
    });
    expect(idled?.durationMs).toBeGreaterThanOrEqual(290);
    expect(Math.abs((idled?.closedAt as number) - Date.now())).toBeLessThan(5_000);
  });

  it("logs a flow whose backend's port is closed as icmp-refused", async () => {
    const server = await echoServer('gone');
    const { port, flows } = await startLoggingFulcrum([server], { FULCRUM_UDP_RESPONSES: '1' });
    await server.kill();
    const [client] = (await clients(1)) as [UdpTestClient];
    client.send(port, 'anyone');
    await expect.poll(() => flows().length, { timeout: 3_000 }).toBe(1);
    expect(flows()[0]).toMatchObject({
      client: `127.0.0.1:${client.port}`,
      backend: server.address,
      datagramsClientToBackend: 1,
      bytesClientToBackend: 6,
      datagramsBackendToClient: 0,
      end: 'icmp-refused',
    });
  });
});
