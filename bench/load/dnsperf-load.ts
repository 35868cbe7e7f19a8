// DNS load with dnsperf (DNS-OARC): queries from a file, over UDP or TCP, for a bounded time or number of passes.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reapedChildrenCpuSeconds } from '../measure/process-usage.js';
import type { LatencyPercentiles, LoadResult } from './load-result.js';

export const DNSPERF_MISSING = 'dnsperf is not installed (apt-get install dnsperf)';

export interface DnsperfSettings {
  binary: string;
  port: number;
  /** Lines of the query file, "name TYPE", e.g. "who.test A". */
  queries: string[];
  /** A folder for the query file. */
  workDir: string;
  transport: 'udp' | 'tcp';
  /** Stop after this many seconds (-l). */
  durationSeconds?: number;
  /** Stop after this many passes through the query file (-n). */
  passes?: number;
  /** Sockets (-c) and queries in flight over all of them (-q). */
  clients: number;
  outstanding: number;
  /** A query unanswered this long is lost (-t). */
  timeoutSeconds: number;
  threads?: number;
}

export interface DnsperfReport {
  sent: number;
  completed: number;
  lost: number;
  queriesPerSecond: number;
  runSeconds: number;
  /** e.g. { NOERROR: 10, NXDOMAIN: 2 }. */
  responseCodes: Record<string, number>;
  averageLatencyMs: number;
  /** From every answered query's own latency (dnsperf -v prints one line per query). */
  latencyMs: LatencyPercentiles | null;
}

/** Beyond the run and the query timeout, how long dnsperf may take before it is killed. */
const GRACE_MS = 5_000;

function figure(output: string, pattern: RegExp, what: string): number {
  const match = pattern.exec(output);
  if (!match?.[1]) throw new Error(`dnsperf printed no ${what}:\n${output.trim().slice(-2_000)}`);
  return Number(match[1]);
}

function percentile(sorted: Float64Array, share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0;
}

/** Reads dnsperf's statistics and its -v lines ("> NOERROR who.test A 0.000110", latency in seconds). */
export function parseDnsperfOutput(output: string): DnsperfReport {
  const latencies: number[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('> ')) continue;
    const seconds = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(seconds)) latencies.push(seconds * 1000);
  }
  const sorted = Float64Array.from(latencies).sort();
  const codes = /Response codes:\s+(.*)/.exec(output)?.[1] ?? '';
  const responseCodes = Object.fromEntries([...codes.matchAll(/([A-Z]+) (\d+)/g)].map((match) => [match[1], Number(match[2])]));
  return {
    sent: figure(output, /Queries sent:\s+(\d+)/, 'queries sent'),
    completed: figure(output, /Queries completed:\s+(\d+)/, 'queries completed'),
    lost: figure(output, /Queries lost:\s+(\d+)/, 'queries lost'),
    queriesPerSecond: figure(output, /Queries per second:\s+([\d.]+)/, 'queries per second'),
    runSeconds: /Run time \(s\):\s+([\d.]+)/.test(output) ? figure(output, /Run time \(s\):\s+([\d.]+)/, 'run time') : 0,
    responseCodes,
    averageLatencyMs: figure(output, /Average Latency \(s\):\s+([\d.]+)/, 'average latency') * 1000,
    latencyMs:
      sorted.length === 0 ? null : { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), p99_9: percentile(sorted, 0.999) },
  };
}

function dnsperfArguments(settings: DnsperfSettings, queryFile: string): string[] {
  return [
    ...['-s', '127.0.0.1', '-p', String(settings.port), '-m', settings.transport, '-d', queryFile],
    ...['-c', String(settings.clients), '-q', String(settings.outstanding), '-t', String(settings.timeoutSeconds)],
    ...['-T', String(settings.threads ?? 1)],
    ...(settings.durationSeconds !== undefined ? ['-l', String(settings.durationSeconds)] : []),
    ...(settings.passes !== undefined ? ['-n', String(settings.passes)] : []),
    '-v',
  ];
}

/** Runs dnsperf to its end (killed if it overstays) and reads its report; rejects when it printed none. */
export async function runDnsperf(settings: DnsperfSettings): Promise<DnsperfReport> {
  if (settings.durationSeconds === undefined && settings.passes === undefined) throw new Error('dnsperf needs a duration or a pass count');
  const queryFile = join(settings.workDir, 'dnsperf-queries.txt');
  writeFileSync(queryFile, `${settings.queries.join('\n')}\n`);
  const limitMs = ((settings.durationSeconds ?? 10) + settings.timeoutSeconds) * 1000 + GRACE_MS;
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(settings.binary, dnsperfArguments(settings, queryFile), { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    const watchdog = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', reject);
    child.once('close', (_code, signal) => {
      clearTimeout(watchdog);
      const text = Buffer.concat(chunks).toString();
      if (signal === 'SIGKILL') reject(new Error(`dnsperf did not finish within ${limitMs} ms and was stopped:\n${text.slice(-2_000)}`));
      else resolve(text);
    });
  });
  return parseDnsperfOutput(output);
}

/** A dnsperf run as a row of the bench: queries/s as req/s, lost queries as errors. */
export async function runDnsperfLoad(settings: DnsperfSettings): Promise<LoadResult> {
  const cpuBefore = reapedChildrenCpuSeconds();
  const report = await runDnsperf(settings);
  const lostShare = report.sent === 0 ? 0 : (report.lost / report.sent) * 100;
  return {
    generator: 'dnsperf',
    durationSeconds: report.runSeconds || (settings.durationSeconds ?? 0),
    requestsPerSecond: report.queriesPerSecond,
    throughputBytesPerSecond: null,
    latencyMs: report.latencyMs,
    errors: report.lost,
    errorDetail: report.lost > 0 ? `${report.lost} of ${report.sent} queries lost (${lostShare.toFixed(2)}%)` : '',
    generatorCpuSeconds: reapedChildrenCpuSeconds() - cpuBefore,
    generatorThreads: settings.threads ?? 1,
  };
}
