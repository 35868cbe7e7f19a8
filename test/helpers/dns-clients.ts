// Real DNS clients for tests: dig (one query, its answer read from the printed sections) and dnsperf (a bounded
// load from a query list), both towards 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DnsperfReport, runDnsperf } from '../../bench/load/dnsperf-load.js';
import { findBinary } from '../../bench/processes/find-binary.js';
import { runProgram } from './real-clients.js';

export type { DnsperfReport };

export interface DigResult {
  exitCode: number;
  /** NOERROR, NXDOMAIN, REFUSED..., or null when no answer came ("no servers could be reached"). */
  status: string | null;
  /** Header flags: qr, aa, rd, ra... */
  flags: string[];
  /** The A records of the answer section. */
  addresses: string[];
  /** How dig says it got the answer: "UDP" or "TCP". */
  transport: string | null;
  output: string;
}

export interface DigOptions {
  tcp?: boolean;
  /** Seconds per try; dig tries once. */
  timeoutSeconds?: number;
}

export function parseDigOutput(output: string, exitCode: number): DigResult {
  const answers = /;; ANSWER SECTION:\n([\s\S]*?)(?:\n\n|$)/.exec(output)?.[1] ?? '';
  return {
    exitCode,
    status: /status: ([A-Z]+)/.exec(output)?.[1] ?? null,
    flags: (/;; flags: ([a-z ]+);/.exec(output)?.[1] ?? '').split(' ').filter(Boolean),
    addresses: answers
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === 'A' && fields[4] !== undefined)
      .map((fields) => fields[4] as string),
    transport: /;; SERVER: \S+ \((UDP|TCP)\)/.exec(output)?.[1] ?? null,
    output,
  };
}

/** `dig -p port @127.0.0.1 name A`, one try, over UDP or TCP (+tcp). */
export async function dig(port: number, name: string, { tcp = false, timeoutSeconds = 1 }: DigOptions = {}): Promise<DigResult> {
  const args = ['-p', String(port), '@127.0.0.1', name, 'A', '+tries=1', `+time=${timeoutSeconds}`, tcp ? '+tcp' : '+notcp'];
  const result = await runProgram('dig', args, timeoutSeconds * 1000 + 2_000);
  return parseDigOutput(result.stdout + result.stderr, result.exitCode);
}

export interface TestDnsperfOptions {
  queries: string[];
  transport?: 'udp' | 'tcp';
  /** Passes through the query list; the run ends after them (or after maxSeconds). */
  passes: number;
  maxSeconds?: number;
  clients?: number;
  outstanding?: number;
}

/** dnsperf against 127.0.0.1:port, bounded by passes and seconds; the query file lives in a temp folder removed after. */
export async function dnsperf(port: number, options: TestDnsperfOptions): Promise<DnsperfReport> {
  const binary = findBinary('dnsperf');
  if (!binary) throw new Error('dnsperf is not installed (apt-get install dnsperf)');
  const workDir = mkdtempSync(join(tmpdir(), 'fulcrum-dnsperf-'));
  try {
    return await runDnsperf({
      binary,
      port,
      queries: options.queries,
      workDir,
      transport: options.transport ?? 'udp',
      passes: options.passes,
      durationSeconds: options.maxSeconds ?? 5,
      clients: options.clients ?? 4,
      outstanding: options.outstanding ?? 16,
      timeoutSeconds: 1,
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
