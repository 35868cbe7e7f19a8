// Measures a contender under the UDP scenarios: DNS queries with dnsperf, a datagram stream with iperf3 -u.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Contender, RunningContender } from '../contenders/contender.js';
import { runDnsperfLoad } from '../load/dnsperf-load.js';
import { runUdpBulk, startControlRelay } from '../load/udp-bulk.js';
import { BENCH_DNS_QUERIES, BENCH_DNS_RECORDS } from '../origins/dns-origin.js';
import { queryOverUdp } from '../origins/dns-query.js';
import type { Measurement } from '../report/measurement.js';
import type { Scenario } from '../scenarios.js';
import { type MeasureContext, measured } from './measure-contender.js';

/** A query unanswered this long counts as lost. */
const QUERY_TIMEOUT_SECONDS = 2;
const CHECK_TIMEOUT_MS = 2_000;

/** One query through the contender must come back with the record's address before any load. */
async function checkDnsAnswer(port: number): Promise<void> {
  const [record] = BENCH_DNS_RECORDS;
  if (!record) return;
  const answer = await queryOverUdp(port, record.name, CHECK_TIMEOUT_MS);
  if (!answer.addresses.includes(record.address)) {
    throw new Error(`asked for ${record.name}, got ${answer.status} ${answer.addresses.join(', ') || 'with no address'}`);
  }
}

export async function measureUdpDns(
  scenario: Scenario,
  contender: Contender,
  running: RunningContender,
  context: MeasureContext,
): Promise<Measurement> {
  const { dnsperfBinary: binary, dnsOrigin: origin, options } = context;
  if (scenario.load.kind !== 'udp-dns' || !binary || !origin)
    throw new Error('measureUdpDns needs a udp-dns scenario, dnsperf and the DNS origin');
  const workDir = join(context.workRoot, `${scenario.id}-${contender.id}-dnsperf`);
  mkdirSync(workDir, { recursive: true });
  const settings = {
    binary,
    port: running.port,
    queries: [...BENCH_DNS_QUERIES],
    workDir,
    transport: 'udp' as const,
    clients: scenario.load.clients,
    outstanding: scenario.load.outstanding,
    timeoutSeconds: QUERY_TIMEOUT_SECONDS,
    threads: options.generatorWorkers,
  };
  await checkDnsAnswer(running.port);
  if (options.warmupSeconds > 0) await runDnsperfLoad({ ...settings, durationSeconds: options.warmupSeconds });
  return measured(scenario, contender, running, origin.pids, context, () =>
    runDnsperfLoad({ ...settings, durationSeconds: options.durationSeconds }),
  );
}

export async function measureUdpBulk(
  scenario: Scenario,
  contender: Contender,
  running: RunningContender,
  context: MeasureContext,
): Promise<Measurement> {
  const sink = context.bulkSink;
  if (scenario.load.kind !== 'udp-bulk' || !sink?.iperf3) throw new Error('measureUdpBulk needs a udp-bulk scenario and an iperf3 server');
  const [serverPort] = sink.ports as [number];
  // Direct access reaches the server's own port, control and datagrams alike; through a proxy, only the control relay.
  const relay = running.port === serverPort ? null : await startControlRelay(running.port, serverPort);
  try {
    const settings = { binary: sink.iperf3, port: running.port, datagramBytes: scenario.load.datagramBytes };
    if (context.options.warmupSeconds > 0) await runUdpBulk({ ...settings, durationSeconds: context.options.warmupSeconds });
    return await measured(scenario, contender, running, [sink.pid], context, () =>
      runUdpBulk({ ...settings, durationSeconds: context.options.durationSeconds }),
    );
  } finally {
    await relay?.close();
  }
}
