// Command-line options of `npm run bench`, with defaults sized to the machine.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

export interface BenchOptions {
  quick: boolean;
  /** Scenario ids to run; null runs them all. */
  only: string[] | null;
  /** Contender ids to run; null runs every installed one. */
  contenders: string[] | null;
  durationSeconds: number;
  /** Times each scenario runs its contenders, in alternating order (reversed every other round). */
  rounds: number;
  warmupSeconds: number;
  connections: number;
  /** Threads / worker processes of every contender and of the origin. */
  workers: number;
  /** autocannon worker threads and wrk threads. */
  generatorWorkers: number;
  idleConnections: number;
  crossCheckWithWrk: boolean;
  outDir: string;
  /** A results JSON to render again as table and SVG, without running anything. */
  reportFrom: string | null;
}

export const USAGE = `Usage: npm run bench -- [options]
  --quick                  a few seconds per scenario: checks that the suite runs, not the numbers
  --only <ids>             comma-separated scenario ids (see docs/bench.md)
  --contenders <ids>       comma-separated contender ids (default: all installed)
  --duration <seconds>     measured seconds per scenario and contender (default 10, quick 1)
  --rounds <n>             run each scenario's contenders n times, the order reversed every other round,
                           and summarise median and range per contender (default 1)
  --connections <n>        concurrent connections of the load generator (default 64)
  --workers <n>            threads / worker processes of each contender and of the origin
                           (default: a quarter of the cores, at least 1)
  --generator-workers <n>  autocannon worker threads and wrk threads (default: like --workers)
  --idle-connections <n>   connections held open in idle-connections (default 5000, quick 200)
  --no-wrk                 skip the wrk cross-check
  --out <dir>              where the JSON and SVG go (default bench/results)
  --report <file.json>     print the table and rewrite the SVG of an earlier run; runs nothing`;

function positiveInteger(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return value;
}

function idList(raw: string | undefined): string[] | null {
  return raw === undefined
    ? null
    : raw
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean);
}

export function parseBenchOptions(argv: string[], defaultOutDir: string): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      contenders: { type: 'string' },
      duration: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      workers: { type: 'string' },
      'generator-workers': { type: 'string' },
      'idle-connections': { type: 'string' },
      'no-wrk': { type: 'boolean', default: false },
      out: { type: 'string' },
      report: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const workers = positiveInteger(values.workers, 'workers', Math.max(1, Math.floor(availableParallelism() / 4)));
  return {
    quick,
    only: idList(values.only),
    contenders: idList(values.contenders),
    durationSeconds: positiveInteger(values.duration, 'duration', quick ? 1 : 10),
    rounds: positiveInteger(values.rounds, 'rounds', 1),
    warmupSeconds: quick ? 0 : 2,
    connections: positiveInteger(values.connections, 'connections', 64),
    workers,
    generatorWorkers: positiveInteger(values['generator-workers'], 'generator-workers', workers),
    idleConnections: positiveInteger(values['idle-connections'], 'idle-connections', quick ? 200 : 5000),
    crossCheckWithWrk: !(values['no-wrk'] ?? false),
    outDir: values.out ?? defaultOutDir,
    reportFrom: values.report ?? null,
  };
}
