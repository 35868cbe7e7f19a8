// The DNS test servers themselves, checked with real clients: each answers its zone over UDP and TCP on one port,
// says who it is, and leaves no process or file behind; dnsperf runs a bounded query list against them.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig, dnsperf } from '../../helpers/dns-clients.js';
import {
  ownName,
  type ResolverKind,
  type RunningResolver,
  SHARED_RECORDS,
  startDnsServer,
  startDnsServers,
  WHO_ADDRESS,
  WHO_NAME,
} from '../../helpers/dns-servers.js';

const KINDS: ResolverKind[] = ['unbound', 'dnsmasq'];

/** Live processes of this server: its own pid and any child it forked (dnsmasq forks one per TCP connection). */
function processesOf(resolver: RunningResolver): number[] {
  try {
    return execFileSync('pgrep', ['-x', resolver.kind], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .filter((pid) => pid === resolver.pid || childOf(pid, resolver.pid));
  } catch {
    return [];
  }
}

function childOf(pid: number, parent: number): boolean {
  try {
    return execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' }).trim() === String(parent);
  } catch {
    return false;
  }
}

describe('DNS test servers', () => {
  let servers: { unbound: RunningResolver; dnsmasq: RunningResolver };
  beforeAll(async () => {
    servers = await startDnsServers();
  });
  afterAll(async () => {
    await Promise.all(Object.values(servers ?? {}).map((server) => server.stop()));
  });

  for (const kind of KINDS) {
    describe(kind, () => {
      for (const tcp of [false, true]) {
        const transport = tcp ? 'TCP' : 'UDP';
        it(`answers its zone over ${transport} on its port, and says who it is`, async () => {
          const { port } = servers[kind];
          const who = await dig(port, WHO_NAME, { tcp });
          expect(who.status, who.output).toBe('NOERROR');
          expect(who.transport).toBe(transport);
          expect(who.flags).toContain('aa');
          expect(who.addresses).toEqual([WHO_ADDRESS[kind]]);
          for (const record of SHARED_RECORDS) expect((await dig(port, record.name, { tcp })).addresses).toEqual([record.address]);
          expect((await dig(port, ownName(kind), { tcp })).addresses).toEqual(['10.0.2.1']);
          const other = ownName(kind === 'unbound' ? 'dnsmasq' : 'unbound');
          expect((await dig(port, other, { tcp })).status).toBe('NXDOMAIN');
        });
      }

      it('serves a bounded dnsperf run over UDP with no query lost', async () => {
        const queries = [WHO_NAME, ...SHARED_RECORDS.map((record) => record.name)].map((name) => `${name} A`);
        const report = await dnsperf(servers[kind].port, { queries, passes: 400, clients: 4, outstanding: 32 });
        expect(report.sent).toBe(queries.length * 400);
        expect(report.completed).toBe(report.sent);
        expect(report.lost).toBe(0);
        expect(report.queriesPerSecond).toBeGreaterThan(0);
        expect(report.responseCodes).toEqual({ NOERROR: report.sent });
        expect(report.latencyMs?.p99).toBeGreaterThan(0);
      });

      it('serves a bounded dnsperf run over TCP with no query lost', async () => {
        const report = await dnsperf(servers[kind].port, { queries: [`${WHO_NAME} A`], transport: 'tcp', passes: 200, clients: 2 });
        expect(report.completed).toBe(200);
        expect(report.lost).toBe(0);
        expect(report.queriesPerSecond).toBeGreaterThan(0);
      });
    });
  }

  it('stops cleanly: no process, no port, no temp folder left', async () => {
    for (const kind of KINDS) {
      const foldersBefore = readdirSync(tmpdir()).filter((name) => name.startsWith(`fulcrum-${kind}-`));
      const server = await startDnsServer(kind);
      expect(processesOf(server)).toContain(server.pid);
      const folders = readdirSync(tmpdir()).filter((name) => name.startsWith(`fulcrum-${kind}-`) && !foldersBefore.includes(name));
      await server.stop();
      expect(processesOf(server)).toEqual([]);
      expect((await dig(server.port, WHO_NAME, { timeoutSeconds: 1 })).status).toBeNull();
      for (const folder of folders) expect(existsSync(`${tmpdir()}/${folder}`)).toBe(false);
    }
  });
});
