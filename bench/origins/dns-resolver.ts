// Real DNS servers on 127.0.0.1, each authoritative for its own small zone: unbound or dnsmasq in the foreground, as
// the current user, on one port for UDP and TCP, with every file in a private temp folder (no system config read).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findBinary } from '../processes/find-binary.js';
import { freeTcpAndUdpPort } from '../processes/free-port.js';
import { startServerProcess } from '../processes/server-process.js';
import { queryOverUdp } from './dns-query.js';

export type ResolverKind = 'unbound' | 'dnsmasq';

export interface DnsRecord {
  /** Fully qualified, without the trailing dot: "who.unbound.test". */
  name: string;
  /** IPv4 address of its A record. */
  address: string;
}

export interface ResolverSettings {
  kind: ResolverKind;
  /** The zone it answers for, e.g. "test": names under it not in `records` get NXDOMAIN, others REFUSED. */
  zone: string;
  /** At least one; the first is what readiness asks for. */
  records: DnsRecord[];
  /** unbound's num-threads (dnsmasq has one thread). */
  threads?: number;
}

export interface RunningResolver {
  kind: ResolverKind;
  port: number;
  pid: number;
  zone: string;
  records: DnsRecord[];
  /** e.g. "unbound 1.17.1 (1 thread)". */
  description: string;
  output(): string;
  /** Stops the process and removes its folder. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 5_000;
const RECORD_TTL = 60;

export function resolverMissingReason(kind: ResolverKind): string | null {
  return findBinary(kind) ? null : `${kind} is not installed (apt-get install ${kind === 'dnsmasq' ? 'dnsmasq-base' : 'unbound'})`;
}

function unboundConfig(settings: ResolverSettings, port: number, folder: string): string {
  const zone = `${settings.zone}.`;
  const lines = [
    'server:',
    `  interface: 127.0.0.1@${port}`,
    `  port: ${port}`,
    `  num-threads: ${settings.threads ?? 1}`,
    '  do-daemonize: no',
    '  do-ip6: no',
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 0',
    // Stay the current user, in this folder: no chroot, no pid file, no trust anchor file.
    '  username: ""',
    '  chroot: ""',
    `  directory: "${folder}"`,
    '  pidfile: ""',
    '  auto-trust-anchor-file: ""',
    '  module-config: "iterator"',
    '  access-control: 127.0.0.0/8 allow',
    '  incoming-num-tcp: 128',
    // Its own zone from local data; every other name refused, so nothing ever goes out to the root servers.
    '  local-zone: "." refuse',
    `  local-zone: "${zone}" static`,
    ...settings.records.map((record) => `  local-data: "${record.name}. ${RECORD_TTL} IN A ${record.address}"`),
    'remote-control:',
    '  control-enable: no',
    '',
  ];
  return lines.join('\n');
}

function dnsmasqArguments(settings: ResolverSettings, port: number): string[] {
  return [
    // Not --no-daemon: in that debug mode dnsmasq answers TCP in its main process, one connection at a time.
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    `--port=${port}`,
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    '--no-resolv',
    '--no-hosts',
    '--pid-file=',
    '--log-facility=-',
    // Names under the zone are answered here only (NXDOMAIN when unknown); with no upstream, others are REFUSED.
    `--local=/${settings.zone}/`,
    ...settings.records.map((record) => `--host-record=${record.name},${record.address},${RECORD_TTL}`),
  ];
}

function versionOf(binary: string, kind: ResolverKind): string {
  const printed = spawnSync(binary, [kind === 'unbound' ? '-V' : '--version'], { encoding: 'utf8' }).stdout ?? '';
  return /[Vv]ersion (\S+)/.exec(printed)?.[1] ?? 'unknown version';
}

async function untilAnswering(port: number, record: DnsRecord): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const answer = await queryOverUdp(port, record.name, 250);
      if (answer.addresses.includes(record.address)) return;
      last = `${answer.status} ${answer.addresses.join(' ')}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(20);
  }
  throw new Error(`the resolver on port ${port} did not answer ${record.name} with ${record.address} in time (last: ${last})`);
}

export async function startResolver(settings: ResolverSettings): Promise<RunningResolver> {
  const binary = findBinary(settings.kind);
  const [first] = settings.records;
  if (!binary) throw new Error(resolverMissingReason(settings.kind) ?? '');
  if (!first) throw new Error('a resolver needs at least one record to answer');
  const folder = mkdtempSync(join(tmpdir(), `fulcrum-${settings.kind}-`));
  const port = await freeTcpAndUdpPort();
  let args: string[];
  if (settings.kind === 'unbound') {
    const configPath = join(folder, 'unbound.conf');
    writeFileSync(configPath, unboundConfig(settings, port, folder));
    args = ['-d', '-c', configPath];
  } else {
    args = dnsmasqArguments(settings, port);
  }
  const removeFolder = () => rmSync(folder, { recursive: true, force: true });
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  try {
    // Both listen on TCP too: accepting there is the first sign of life, an answer over UDP the second.
    server = await startServerProcess({ command: binary, args, readyPort: port });
  } catch (error) {
    removeFolder();
    throw error;
  }
  const stop = async () => {
    await server.stop();
    removeFolder();
  };
  try {
    await untilAnswering(port, first);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${server.output().trim()}`);
  }
  const threads = settings.kind === 'unbound' ? (settings.threads ?? 1) : 1;
  return {
    kind: settings.kind,
    port,
    pid: server.pid,
    zone: settings.zone,
    records: settings.records,
    description: `${settings.kind} ${versionOf(binary, settings.kind)} (${threads} thread${threads === 1 ? '' : 's'})`,
    output: server.output,
    stop,
  };
}
