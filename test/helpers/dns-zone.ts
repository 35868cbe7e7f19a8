// An authoritative DNS server (unbound) on 127.0.0.1 for discovery tests, with a zone the test rewrites: publish()
// writes the config anew, reloads it with SIGHUP and waits until the new serial answers. stop() and start() take the
// server down and bring it back on the same port.
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findBinary } from '../../bench/processes/find-binary.js';
import { freeTcpAndUdpPort } from '../../bench/processes/free-port.js';
import { type ServerProcess, startServerProcess } from '../../bench/processes/server-process.js';

export const ZONE = 'fleet.test';

/** One record: A "127.0.0.2", AAAA "::1", or SRV "PRIORITY WEIGHT PORT TARGET". */
export interface ZoneRecord {
  name: string;
  type: 'A' | 'AAAA' | 'SRV';
  ttl: number;
  value: string;
}

export interface ZoneServer {
  port: number;
  /** For FULCRUM_DNS_SERVERS. */
  address: string;
  /** Replaces every record of the zone; resolves once the server answers with them. */
  publish(records: readonly ZoneRecord[]): Promise<void>;
  /** Takes the server down (queries get ICMP port unreachable: ECONNREFUSED). */
  stop(): Promise<void>;
  /** Brings it back on the same port, with the last published records. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

const SERIAL_NAME = `serial.${ZONE}`;
const READY_TIMEOUT_MS = 5_000;

export const unboundMissing = findBinary('unbound') ? null : 'unbound is not installed (apt-get install unbound)';

function configText(port: number, folder: string, records: readonly ZoneRecord[], serial: number): string {
  return [
    'server:',
    `  interface: 127.0.0.1@${port}`,
    `  port: ${port}`,
    '  num-threads: 1',
    '  do-daemonize: no',
    '  do-ip6: no',
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 0',
    '  username: ""',
    '  chroot: ""',
    `  directory: "${folder}"`,
    '  pidfile: ""',
    '  auto-trust-anchor-file: ""',
    '  module-config: "iterator"',
    '  access-control: 127.0.0.0/8 allow',
    // Names of the zone not listed answer NXDOMAIN; every other name is refused.
    '  local-zone: "." refuse',
    `  local-zone: "${ZONE}." static`,
    `  local-data: '${SERIAL_NAME}. 0 IN TXT "${serial}"'`,
    ...records.map((record) => `  local-data: "${record.name}. ${record.ttl} IN ${record.type} ${record.value}"`),
    'remote-control:',
    '  control-enable: no',
    '',
  ].join('\n');
}

export async function startZoneServer(records: readonly ZoneRecord[]): Promise<ZoneServer> {
  const binary = findBinary('unbound');
  if (!binary) throw new Error(unboundMissing ?? '');
  const folder = mkdtempSync(join(tmpdir(), 'fulcrum-zone-'));
  const configPath = join(folder, 'unbound.conf');
  const port = await freeTcpAndUdpPort();
  const resolver = new Resolver({ timeout: 200, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  let serial = 0;
  let server: ServerProcess | null = null;

  const untilSerial = async () => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = '';
    while (Date.now() < deadline) {
      try {
        if ((await resolver.resolveTxt(SERIAL_NAME)).flat().includes(String(serial))) return;
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(20);
    }
    throw new Error(`unbound on port ${port} did not answer serial ${serial} in time (${last})\n${server?.output() ?? ''}`);
  };
  const write = (next: readonly ZoneRecord[]) => {
    serial++;
    writeFileSync(configPath, configText(port, folder, next, serial));
  };
  const start = async () => {
    server = await startServerProcess({ command: binary, args: ['-d', '-c', configPath], readyPort: port });
    await untilSerial();
  };

  write(records);
  try {
    await start();
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    address: `127.0.0.1:${port}`,
    async publish(next) {
      write(next);
      if (!server) return;
      process.kill(server.pid, 'SIGHUP');
      await untilSerial();
    },
    async stop() {
      await server?.stop();
      server = null;
    },
    start,
    async close() {
      await server?.stop();
      server = null;
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** `count` A records of one name: 127.0.<1+i/250>.<1+i%250>, all with `ttl`. */
export function manyAddresses(name: string, count: number, ttl: number): ZoneRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    name,
    type: 'A' as const,
    ttl,
    value: `127.0.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`,
  }));
}
