// `npm run bench:fronts`: the uWS front (FULCRUM_PROTOCOLS=http/1.1) against the complete front (all) on small
// keep-alive GETs, in alternating rounds, with the decision rule of issue #14: make `all` the default when the
// complete front's req/s reaches 0.8× the uWS front's (median of at least 3 rounds, one worker each).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Contender, RunningContender } from './contenders/contender.js';
import { fulcrumAll, fulcrumHttp } from './contenders/fulcrum.js';
import type { HttpLoadSettings } from './load/autocannon-load.js';
import { runWrk } from './load/wrk-load.js';
import { readProcessTreeUsage } from './measure/process-usage.js';
import { startNginxOrigin } from './origins/nginx-origin.js';
import { SMALL_PATH } from './origins/payloads.js';
import { findBinary } from './processes/find-binary.js';
import { freePort } from './processes/free-port.js';
import { stopAllServerProcesses } from './processes/server-process.js';

const USAGE = `Usage: npm run bench:fronts -- [--rounds <n>] [--duration <seconds>] [--connections <n>]
  --rounds <n>         alternating rounds, at least 3 for the decision (default 3)
  --duration <s>       measured seconds per front and round (default 10), after a 2 s warm-up of each
  --connections <n>    wrk connections (default 64); one wrk thread, one Fulcrum worker, one nginx origin worker`;

const THRESHOLD = 0.8;
const MINIMUM_ROUNDS = 3;
const WARMUP_SECONDS = 2;

interface FrontRun {
  requestsPerSecond: number;
  p99Ms: number;
  cpuMicrosecondsPerRequest: number;
  errors: string;
}

interface Front {
  name: string;
  contender: Contender;
  running: RunningContender;
}

function positiveInteger(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return value;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** One wrk run with the front's whole process CPU time (utime + stime from /proc, every thread) around it. */
async function measureFront(wrk: string, workDir: string, front: Front, settings: HttpLoadSettings): Promise<FrontRun> {
  const pid = front.running.pid as number;
  const before = readProcessTreeUsage(pid).cpuSeconds;
  const load = await runWrk(wrk, workDir, { ...settings, port: front.running.port });
  const cpuSeconds = readProcessTreeUsage(pid).cpuSeconds - before;
  const requests = (load.requestsPerSecond ?? 0) * load.durationSeconds;
  return {
    requestsPerSecond: load.requestsPerSecond ?? 0,
    p99Ms: load.latencyMs?.p99 ?? Number.NaN,
    cpuMicrosecondsPerRequest: requests > 0 ? (cpuSeconds * 1e6) / requests : Number.NaN,
    errors: load.errorDetail,
  };
}

function row(cells: (string | number)[]): string {
  const widths = [6, 13, 10, 9, 12, 10];
  return cells.map((cell, index) => String(cell).padStart(widths[index] ?? 10)).join(' ');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { rounds: { type: 'string' }, duration: { type: 'string' }, connections: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) return void console.log(USAGE);
  const rounds = positiveInteger(values.rounds, 'rounds', MINIMUM_ROUNDS);
  const durationSeconds = positiveInteger(values.duration, 'duration', 10);
  const connections = positiveInteger(values.connections, 'connections', 64);
  const wrk = findBinary('wrk');
  const nginx = findBinary('nginx');
  if (!wrk || !nginx) throw new Error('bench:fronts needs wrk and nginx (apt-get install wrk nginx)');

  const workRoot = mkdtempSync(join(tmpdir(), 'fulcrum-fronts-'));
  try {
    const origin = await startNginxOrigin(nginx, join(workRoot, 'origin'), 1, 1);
    const fronts: Front[] = [];
    for (const [name, contender] of [
      ['uws', fulcrumHttp],
      ['all', fulcrumAll],
    ] as const) {
      const workDir = join(workRoot, contender.id);
      mkdirSync(workDir, { recursive: true });
      const setup = {
        listenPort: await freePort(),
        backendPorts: origin.ports,
        balance: 'round-robin',
        clientProtocol: 'http/1.1',
        edge: null,
        workers: 1,
        workDir,
      } as const;
      fronts.push({ name, contender, running: await contender.start(setup) });
    }
    const request = { method: 'GET', path: SMALL_PATH, bodyBytes: 0, newConnectionPerRequest: false, distinctHashKeys: 0 } as const;
    const settings: HttpLoadSettings = { port: 0, request, durationSeconds, connections, workers: 1 };
    for (const front of fronts) await measureFront(wrk, workRoot, front, { ...settings, durationSeconds: WARMUP_SECONDS });

    console.log(
      `date ${new Date().toISOString()}, load average before ${loadavg()
        .map((load) => load.toFixed(2))
        .join(' ')}`,
    );
    console.log(`wrk -t1 -c${connections} -d${durationSeconds}s GET ${SMALL_PATH}; origin ${origin.description}; FULCRUM_WORKERS=1`);
    console.log(row(['round', 'front', 'req/s', 'p99 ms', 'CPU µs/req', 'all/uws']));
    const ratios: number[] = [];
    const figures = new Map<string, FrontRun[]>(fronts.map((front) => [front.name, []]));
    for (let round = 1; round <= rounds; round++) {
      // Alternate the order so neither front always runs right after the other.
      const ordered = round % 2 === 1 ? fronts : [...fronts].reverse();
      const results = new Map<string, FrontRun>();
      for (const front of ordered) results.set(front.name, await measureFront(wrk, workRoot, front, settings));
      const [uws, all] = [results.get('uws') as FrontRun, results.get('all') as FrontRun];
      const ratio = all.requestsPerSecond / uws.requestsPerSecond;
      ratios.push(ratio);
      for (const [name, result] of [
        ['uws', uws],
        ['all', all],
      ] as const) {
        figures.get(name)?.push(result);
        const ratioCell = name === 'all' ? `${ratio.toFixed(2)}×` : '';
        console.log(
          row([
            round,
            name,
            result.requestsPerSecond.toFixed(0),
            result.p99Ms.toFixed(2),
            result.cpuMicrosecondsPerRequest.toFixed(1),
            ratioCell,
          ]),
        );
        if (result.errors) console.log(`       ${name} errors in round ${round}: ${result.errors}`);
      }
    }
    for (const [name, runs] of figures) {
      console.log(
        `${name}: median ${median(runs.map((run) => run.requestsPerSecond)).toFixed(0)} req/s, ` +
          `${median(runs.map((run) => run.cpuMicrosecondsPerRequest)).toFixed(1)} µs CPU/req`,
      );
    }
    // On a shared machine req/s follows whatever else runs; CPU per request moves less, and its inverse ratio is
    // what req/s would come to if both fronts had a core to themselves.
    const cpuRatios = (figures.get('all') ?? []).map(
      (run, index) => run.cpuMicrosecondsPerRequest / ((figures.get('uws') ?? [])[index]?.cpuMicrosecondsPerRequest ?? Number.NaN),
    );
    console.log(
      `all/uws CPU per request: ${Math.min(...cpuRatios).toFixed(2)}–${Math.max(...cpuRatios).toFixed(2)}×, median ${median(cpuRatios).toFixed(2)}×`,
    );
    const ratioMedian = median(ratios);
    console.log(
      `all/uws req/s: ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×, median ${ratioMedian.toFixed(2)}× ` +
        `(rule: make "all" the default at >= ${THRESHOLD}×)`,
    );
    if (rounds < MINIMUM_ROUNDS) console.log(`no decision: the rule needs at least ${MINIMUM_ROUNDS} rounds`);
    else console.log(ratioMedian >= THRESHOLD ? 'decision: all reaches the threshold' : 'decision: all stays below the threshold');
    console.log(
      `load average after ${loadavg()
        .map((load) => load.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await stopAllServerProcesses();
    rmSync(workRoot, { recursive: true, force: true });
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stopAllServerProcesses().then(() => process.exit(130)));
}

main().catch((error: Error) => {
  process.stderr.write(`bench:fronts: ${error.message}\n${error.message.startsWith('--') ? `${USAGE}\n` : ''}`);
  void stopAllServerProcesses().then(() => process.exit(1));
});
