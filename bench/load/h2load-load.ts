// HTTP/2 load with h2load (nghttp2-client): cleartext h2c by prior knowledge, many streams per connection.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reapedChildrenCpuSeconds } from '../measure/process-usage.js';
import type { HttpRequestShape } from '../scenarios.js';
import { concreteRequests } from './http-requests.js';
import { describeErrors, type LatencyPercentiles, type LoadResult, sumOf } from './load-result.js';

/** The one request h2load repeats: a GET, or a POST of a file's bytes (`-d`). */
export interface H2loadRequest {
  path: string;
  headers: Readonly<Record<string, string>>;
  bodyFile: string | null;
}

export interface H2LoadSettings {
  port: number;
  request: H2loadRequest;
  durationSeconds: number;
  clients: number;
  streamsPerClient: number;
  threads: number;
}

export const H2LOAD_MISSING = 'h2load is not installed (apt-get install nghttp2-client)';

/** A figure h2load printed, e.g. the 3rd number of the "requests:" line; throws with the output when it is not there. */
function figure(output: string, pattern: RegExp, what: string): number {
  const match = pattern.exec(output);
  if (!match?.[1]) throw new Error(`h2load printed no ${what}:\n${output.trim()}`);
  return Number(match[1]);
}

function percentile(sorted: Float64Array, share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0;
}

/**
 * h2load prints only min / max / mean / sd of "time for request"; its --log-file has every request's time
 * (third column, microseconds until the end of the response), from which the same percentiles as wrk's are taken.
 */
function latencyFromLog(logPath: string): LatencyPercentiles | null {
  return latencyFromLogText(readFileSync(logPath, 'utf8'));
}

export function latencyFromLogText(log: string): LatencyPercentiles | null {
  const times = log
    .split('\n')
    .filter(Boolean)
    .map((line) => Number(line.split('\t')[2]));
  if (times.length === 0) return null;
  const sorted = Float64Array.from(times).sort();
  return { p50: percentile(sorted, 0.5) / 1000, p99: percentile(sorted, 0.99) / 1000, p99_9: percentile(sorted, 0.999) / 1000 };
}

/** An HTTP scenario's request as h2load's one fixed GET; cycling header values or a body would need another generator. */
export function fixedGet(shape: HttpRequestShape): H2loadRequest {
  const [request, ...others] = concreteRequests(shape);
  if (!request || others.length > 0 || request.body !== undefined) throw new Error('h2load runs only one fixed GET');
  return { path: request.path, headers: request.headers, bodyFile: null };
}

function h2loadArgs(settings: H2LoadSettings, logPath: string | null): string[] {
  const { request } = settings;
  const headers = Object.entries(request.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  return [
    ...['-c', String(settings.clients), '-m', String(settings.streamsPerClient)],
    ...['-t', String(Math.min(settings.threads, settings.clients))],
    ...['-D', String(settings.durationSeconds)],
    ...(logPath ? [`--log-file=${logPath}`] : []),
    ...(request.bodyFile ? ['-d', request.bodyFile] : []),
    ...headers,
    `http://127.0.0.1:${settings.port}${request.path}`,
  ];
}

function runToEnd(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`h2load exited with ${code}: ${text.trim()}`))));
  });
}

/** A run whose figures are thrown away: connections opened, caches and pools warm. */
export async function warmUpH2load(binary: string, settings: H2LoadSettings): Promise<void> {
  await runToEnd(binary, h2loadArgs(settings, null));
}

/** The figures of h2load's summary that the suite uses. */
export interface H2loadSummary {
  /** Requests answered with 2xx or 3xx; with -D, the ones that finished inside the measured duration. */
  succeeded: number;
  /** Failed requests, which include the errored and timed-out ones. */
  failed: number;
  non2xx: number;
  /** h2load's own figure: every stream closed cleanly, 5xx answers included. */
  requestsPerSecond: number;
  /** The measured time ("finished in"), in seconds. */
  durationSeconds: number;
  trafficBytes: number;
}

/** h2load's "finished in 10.00s" or "finished in 950.12ms", in seconds. */
function finishedInSeconds(output: string): number {
  const match = /^finished in ([\d.]+)(s|ms|us),/m.exec(output);
  if (!match?.[1]) throw new Error(`h2load printed no duration:\n${output.trim()}`);
  return Number(match[1]) / ({ s: 1, ms: 1e3, us: 1e6 }[match[2] as 's' | 'ms' | 'us'] ?? 1);
}

export function parseH2loadSummary(output: string): H2loadSummary {
  // "requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout"
  const families = ['3xx', '4xx', '5xx'];
  return {
    succeeded: figure(output, /^requests:.*? (\d+) succeeded/m, 'succeeded requests'),
    failed: figure(output, /^requests:.*? (\d+) failed/m, 'failed requests'),
    non2xx: families.reduce((sum, family) => sum + figure(output, new RegExp(`^status codes:.*? (\\d+) ${family}`, 'm'), family), 0),
    requestsPerSecond: figure(output, /^finished in [\d.]+\w*, ([\d.]+) req\/s/m, 'req/s'),
    durationSeconds: finishedInSeconds(output),
    trafficBytes: figure(output, /^traffic: \S+ \((\d+)\) total/m, 'traffic'),
  };
}

export async function runH2load(binary: string, workDir: string, settings: H2LoadSettings): Promise<LoadResult> {
  const logPath = join(workDir, 'h2load-requests.tsv');
  const cpuBefore = reapedChildrenCpuSeconds();
  const output = await runToEnd(binary, h2loadArgs(settings, logPath));
  const generatorCpuSeconds = reapedChildrenCpuSeconds() - cpuBefore;
  const { succeeded, failed, non2xx, durationSeconds, trafficBytes } = parseH2loadSummary(output);
  // h2load's own req/s counts every stream that closed cleanly, 5xx answers included; only 2xx/3xx answers count here.
  const requestsPerSecond = durationSeconds > 0 ? succeeded / durationSeconds : 0;
  const errorCounts = { failed, 'non-2xx': non2xx };
  return {
    generator: 'h2load',
    durationSeconds,
    requestsPerSecond,
    throughputBytesPerSecond: trafficBytes / durationSeconds,
    latencyMs: latencyFromLog(logPath),
    errors: sumOf(errorCounts),
    errorDetail: describeErrors(errorCounts),
    generatorCpuSeconds,
    generatorThreads: Math.min(settings.threads, settings.clients),
  };
}
