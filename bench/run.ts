// `npm run bench`: starts the origins and every installed contender, loads them side by side, writes JSON + SVG + table.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectContenders } from './contenders/all.js';
import type { Contender } from './contenders/contender.js';
import { DNSPERF_MISSING } from './load/dnsperf-load.js';
import { H2LOAD_MISSING } from './load/h2load-load.js';
import { type MeasureContext, measureContender } from './measure/measure-contender.js';
import { openFilesLimit } from './measure/open-files-limit.js';
import { type BenchOptions, parseBenchOptions, USAGE } from './options.js';
import { startBulkSink } from './origins/bulk-sink.js';
import { type DnsOrigin, dnsOriginMissingReason, startDnsOrigin } from './origins/dns-origin.js';
import { type GrpcOrigin, startGrpcOrigin } from './origins/grpc-origin.js';
import { startNginxOrigin } from './origins/nginx-origin.js';
import { startUwsOrigin } from './origins/uws-origin.js';
import { DEFAULT_RESULTS_DIR } from './paths.js';
import { findBinary } from './processes/find-binary.js';
import { stopAllServerProcesses } from './processes/server-process.js';
import { describeEnvironment } from './report/environment.js';
import { type Measurement, notMeasured } from './report/measurement.js';
import { Progress } from './report/progress.js';
import { withRatios } from './report/ratios.js';
import { renderAgain, writeResults } from './report/results-file.js';
import { clientProtocolOf, type Scenario, selectScenarios } from './scenarios.js';

const ORIGIN_PORTS = 2;
const DESCRIPTORS_KEPT_SPARE = 1024;

function appliesTo(scenario: Scenario, contender: Contender): boolean {
  if (contender.edgeBaseline) return scenario.edge !== undefined;
  if (clientProtocolOf(scenario) === 'grpc') return contender.servesGrpc;
  if (clientProtocolOf(scenario) === 'h2c') return contender.servesH2c;
  return contender.layer === 'direct' || scenario.layers.includes(contender.layer);
}

/** Why a scenario cannot run here (its load generator or its origin is not installed), or null. */
function scenarioMissingReason(scenario: Scenario): string | null {
  const usesH2load = scenario.load.kind === 'h2' || scenario.load.kind === 'grpc-unary';
  if (usesH2load && !findBinary('h2load')) return H2LOAD_MISSING;
  if (scenario.load.kind === 'udp-dns') return findBinary('dnsperf') ? dnsOriginMissingReason() : DNSPERF_MISSING;
  // The built-in sender speaks TCP only.
  if (scenario.load.kind === 'udp-bulk' && !findBinary('iperf3')) return 'iperf3 is not installed (apt-get install iperf3)';
  return null;
}

/** Idle connections need a descriptor each in this process; stay under the limit rather than fail half-way. */
function idleConnectionsWithinLimit(options: BenchOptions, progress: Progress): BenchOptions {
  const limit = openFilesLimit();
  if (limit === null || options.idleConnections + DESCRIPTORS_KEPT_SPARE <= limit) return options;
  const allowed = Math.max(1, limit - DESCRIPTORS_KEPT_SPARE);
  progress.note(
    `holding ${allowed} idle connections, not ${options.idleConnections}: the open-files limit is ${limit} (raise it with ulimit -n)`,
  );
  return { ...options, idleConnections: allowed };
}

/** Each scenario's contenders, `rounds` times over, in reverse order every other round so none always runs first. */
function planRuns(scenarios: Scenario[], contenders: Contender[], rounds: number) {
  return scenarios.flatMap((scenario) => {
    const applicable = contenders.filter((contender) => appliesTo(scenario, contender));
    return Array.from({ length: rounds }, (_, index) => (index % 2 === 0 ? applicable : [...applicable].reverse())).flatMap(
      (ordered, index) => ordered.map((contender) => ({ scenario, contender, round: index + 1 })),
    );
  });
}

function resultFileStem(date: string, options: BenchOptions): string {
  return `${date.replaceAll(':', '-').replace(/\.\d+Z$/, '')}${options.quick ? '-quick' : ''}`;
}

async function main(): Promise<void> {
  const parsed = parseBenchOptions(process.argv.slice(2), DEFAULT_RESULTS_DIR);
  if (parsed.reportFrom) return void console.log(renderAgain(parsed.reportFrom));
  const scenarios = selectScenarios(parsed.only);
  const contenders = selectContenders(parsed.contenders);
  const environment = describeEnvironment();
  const plan = planRuns(scenarios, contenders, parsed.rounds);
  const progress = new Progress(plan.length);
  const options = idleConnectionsWithinLimit(parsed, progress);
  const missing = new Map(contenders.map((contender) => [contender.id, contender.missingReason()]));
  for (const [id, reason] of missing) if (reason) progress.note(`skipping ${id}: ${reason}`);
  const h2loadBinary = findBinary('h2load');
  const scenarioMissing = new Map(scenarios.map((scenario) => [scenario.id, scenarioMissingReason(scenario)]));
  const runs = (kind: Scenario['load']['kind']) =>
    scenarios.some((scenario) => scenario.load.kind === kind && !scenarioMissing.get(scenario.id));
  for (const [id, reason] of scenarioMissing) if (reason) progress.note(`skipping scenario ${id}: ${reason}`);
  progress.note(
    `${environment.cores} cores, Node ${environment.node}, load average ${environment.loadAverageAtStart.join(' ')}; ` +
      `${options.workers} worker(s) per contender, ${options.generatorWorkers} generator worker(s), ${options.connections} connections, ${options.durationSeconds} s per run` +
      (options.rounds > 1 ? `, ${options.rounds} alternating rounds` : ''),
  );

  const workRoot = mkdtempSync(join(tmpdir(), 'fulcrum-bench-'));
  const rows: Measurement[] = [];
  let originDescriptions: string[] = [];
  let grpcOrigin: GrpcOrigin | null = null;
  let dnsOrigin: DnsOrigin | null = null;
  try {
    const nginxBinary = findBinary('nginx');
    const httpOrigin = nginxBinary
      ? await startNginxOrigin(nginxBinary, join(workRoot, 'origin'), options.workers, ORIGIN_PORTS)
      : await startUwsOrigin(options.workers, ORIGIN_PORTS);
    const bulkSink = runs('bulk-transfer') || runs('udp-bulk') ? await startBulkSink() : null;
    grpcOrigin = scenarios.some((scenario) => scenario.load.kind === 'grpc-unary') ? await startGrpcOrigin(ORIGIN_PORTS) : null;
    dnsOrigin = runs('udp-dns') ? await startDnsOrigin(ORIGIN_PORTS, options.workers) : null;
    originDescriptions = [
      `HTTP: ${httpOrigin.description} on ports ${httpOrigin.ports.join(', ')}`,
      ...(bulkSink ? [`bulk: ${bulkSink.description}`] : []),
      ...(grpcOrigin ? [`gRPC: ${grpcOrigin.description} on ports ${grpcOrigin.ports.join(', ')}`] : []),
      ...(dnsOrigin ? [`DNS: ${dnsOrigin.description} on ports ${dnsOrigin.ports.join(', ')}`] : []),
    ];
    progress.note(`origins: ${originDescriptions.join('; ')}`);
    const context: MeasureContext = {
      options,
      workRoot,
      httpOrigin,
      bulkSink,
      grpcOrigin,
      dnsOrigin,
      wrkBinary: findBinary('wrk'),
      h2loadBinary,
      dnsperfBinary: findBinary('dnsperf'),
      cores: environment.cores,
    };
    for (const { scenario, contender, round } of plan) {
      progress.starting(scenario.id, options.rounds > 1 ? `${contender.id} #${round}` : contender.id);
      const reason = missing.get(contender.id) ?? scenarioMissing.get(scenario.id);
      const measured = reason
        ? [notMeasured(scenario.id, contender.id, 'skipped', reason)]
        : await measureContender(scenario, contender, context);
      progress.finished(measured);
      rows.push(...measured.map((row) => (options.rounds > 1 ? { ...row, round } : row)));
    }
  } finally {
    grpcOrigin?.closeClient();
    await dnsOrigin?.stop();
    await stopAllServerProcesses();
    rmSync(workRoot, { recursive: true, force: true });
  }

  const layers = new Map(contenders.map((contender) => [contender.id, contender.layer]));
  const results = withRatios(rows, scenarios, (id) => layers.get(id) ?? 'http');
  mkdirSync(options.outDir, { recursive: true });
  const stem = join(options.outDir, resultFileStem(environment.date, options));
  const scenarioSummaries = scenarios.map(({ id, title, description }) => ({ id, title, description }));
  console.log(writeResults(stem, { environment, options, origins: originDescriptions, scenarios: scenarioSummaries, results }));
  progress.note(`wrote ${stem}.json and ${stem}.svg`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping the servers it started\n`);
    void stopAllServerProcesses().then(() => process.exit(130));
  });
}

/** Mistakes in the options get the usage text; anything else gets its message only. */
function isUsageError(error: Error): boolean {
  return /^(--|unknown )/.test(error.message) || String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS');
}

main().catch((error: Error) => {
  process.stderr.write(isUsageError(error) ? `bench: ${error.message}\n${USAGE}\n` : `bench: ${error.stack ?? error.message}\n`);
  void stopAllServerProcesses().then(() => process.exit(1));
});
