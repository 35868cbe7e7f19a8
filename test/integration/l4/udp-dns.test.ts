// DNS through Fulcrum in udp mode, against two real resolvers (unbound and dnsmasq, each authoritative for
// its own copy of the zone "test"): dig over UDP, and over TCP on the same port number through a TCP
// listener in the same process; a DNS health check taking a resolver out; and dnsperf with nothing lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForStats } from '../../helpers/admin.js';
import { tempConfigPath, writeConfig } from '../../helpers/config-file.js';
import { dig, dnsperf } from '../../helpers/dns-clients.js';
import { type RunningResolver, SHARED_RECORDS, startDnsServers, WHO_ADDRESS, WHO_NAME } from '../../helpers/dns-servers.js';
import { CLI, type RunningProcess, startProcess } from '../../helpers/fulcrum-process.js';
import { freePort } from '../../helpers/origins.js';

describe('DNS through udp mode', () => {
  let resolvers: { unbound: RunningResolver; dnsmasq: RunningResolver };
  let fulcrum: RunningProcess;
  let port: number;
  let adminPort: number;

  beforeAll(async () => {
    resolvers = await startDnsServers();
    port = await freePort();
    adminPort = await freePort();
    const configPath = tempConfigPath('fulcrum.yaml');
    // DNS answers over UDP and TCP on one port number: the TCP half is a listener of the same process.
    writeConfig(configPath, ['listeners:', `  - { listen: 127.0.0.1:${port}, protocol: tcp }`]);
    fulcrum = await startProcess(
      CLI,
      [],
      {
        FULCRUM_MODE: 'udp',
        FULCRUM_LISTEN: `127.0.0.1:${port}`,
        FULCRUM_CONFIG: configPath,
        FULCRUM_BACKENDS: `127.0.0.1:${resolvers.unbound.port},127.0.0.1:${resolvers.dnsmasq.port}`,
        FULCRUM_ALGORITHM: 'round-robin',
        FULCRUM_UDP_RESPONSES: '1',
        FULCRUM_HEALTH_CHECK: `dns:${WHO_NAME}`,
        FULCRUM_HEALTH_INTERVAL: '200ms',
        FULCRUM_WORKERS: '1',
        FULCRUM_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
      },
      'fulcrum is serving',
    );
  });
  afterAll(async () => {
    fulcrum?.child.kill('SIGKILL');
    await resolvers?.unbound.stop();
    await resolvers?.dnsmasq.stop();
  });

  it('answers over UDP from both resolvers in turn, and over TCP on the same port number', async () => {
    const seen = new Set<string>();
    for (let query = 0; query < 4; query++) {
      const answer = await dig(port, WHO_NAME);
      expect([answer.status, answer.transport]).toEqual(['NOERROR', 'UDP']);
      seen.add(answer.addresses[0] as string);
    }
    expect(seen).toEqual(new Set(Object.values(WHO_ADDRESS)));
    const overTcp = await dig(port, (SHARED_RECORDS[0] as { name: string }).name, { tcp: true });
    expect([overTcp.status, overTcp.transport, overTcp.addresses]).toEqual([
      'NOERROR',
      'TCP',
      [(SHARED_RECORDS[0] as { address: string }).address],
    ]);
  });

  it('loses no query under dnsperf, and ends every flow with its answer', async () => {
    const report = await dnsperf(port, { queries: SHARED_RECORDS.map((record) => `${record.name} A`), passes: 500, maxSeconds: 5 });
    expect(report.sent).toBeGreaterThan(1_000);
    expect(report.lost).toBe(0);
    expect(report.responseCodes).toEqual({ NOERROR: report.completed });
    await waitForStats(adminPort, (stats) => (stats.dataPlane.udp as unknown as { flowsActive: number }).flowsActive === 0, 3_000);
  });

  it('takes a resolver out with the DNS check when it stops answering', async () => {
    await resolvers.dnsmasq.stop();
    await waitForStats(adminPort, (stats) => stats.pools.default?.backends[1]?.state === 'down', 5_000);
    for (let query = 0; query < 4; query++) expect((await dig(port, WHO_NAME)).addresses).toEqual([WHO_ADDRESS.unbound]);
  });
});
