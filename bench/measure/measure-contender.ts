// Measures one contender under one scenario: start it, check it, warm it, load it, read its CPU and memory, stop it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Contender, RunningContender } from '../contenders/contender.js';
import { type HttpLoadSettings, runAutocannon } from '../load/autocannon-load.js';
import { runBuiltInSender, runIperf3 } from '../load/bulk-transfer.js';
import { fixedGet, type H2LoadSettings, runH2load, warmUpH2load } from '../load/h2load-load.js';
import { concreteRequests } from '../load/http-requests.js';
import { openIdleConnections } from '../load/idle-connections.js';
import type { LoadResult } from '../load/load-result.js';
import { runWrk } from '../load/wrk-load.js';
import type { BenchOptions } from '../options.js';
import type { BulkSink } from '../origins/bulk-sink.js';
import type { DnsOrigin } from '../origins/dns-origin.js';
import { GRPC_REQUEST_HEADERS, unaryRequestFrame } from '../origins/grpc-echo.js';
import type { GrpcOrigin } from '../origins/grpc-origin.js';
import type { RunningOrigin } from '../origins/origin.js';
import { UNARY_PATH } from '../origins/payloads.js';
import { freePort } from '../processes/free-port.js';
import { type IdleFigures, type Measurement, notMeasured } from '../report/measurement.js';
import { clientProtocolOf, type Scenario } from '../scenarios.js';
import { checkAnswers, checkAnswersH2c } from './check-answer.js';
import { checkGrpcAnswers } from './check-grpc.js';
import { measureUdpBulk, measureUdpDns } from './measure-udp.js';
import { crossCheckedWithOrigin } from './origin-cross-check.js';
import { type ProcessTreeUsage, readProcessTreeUsage } from './process-usage.js';

export interface MeasureContext {
  options: BenchOptions;
  workRoot: string;
  httpOrigin: RunningOrigin;
  bulkSink: BulkSink | null;
  grpcOrigin: GrpcOrigin | null;
  dnsOrigin: DnsOrigin | null;
  wrkBinary: string | null;
  h2loadBinary: string | null;
  dnsperfBinary: string | null;
  cores: number;
}

const SATURATION_SHARE = 0.9;

const MEBIBYTE = 1024 * 1024;

function usageOf(pid: number | null): ProcessTreeUsage | null {
  return pid === null ? null : readProcessTreeUsage(pid);
}

/** Turns a load result and the CPU spent around it into a row. */
function toMeasurement(
  scenario: Scenario,
  contender: Contender,
  load: LoadResult,
  contenderCpuSeconds: number | null,
  contenderPeakMemoryBytes: number | null,
  originCpuSeconds: number,
  context: MeasureContext,
): Measurement {
  const seconds = load.durationSeconds;
  const percent = (cpuSeconds: number | null) => (cpuSeconds === null ? null : (cpuSeconds / seconds) * 100);
  const unitsOfWork =
    load.requestsPerSecond !== null ? load.requestsPerSecond * seconds : ((load.throughputBytesPerSecond ?? 0) * seconds) / MEBIBYTE;
  const busySeconds = load.generatorCpuSeconds + (contenderCpuSeconds ?? 0) + originCpuSeconds;
  const nothingGotThrough = load.requestsPerSecond === 0 || load.throughputBytesPerSecond === 0;
  return {
    ...notMeasured(scenario.id, contender.id, 'failed', ''),
    status: nothingGotThrough ? 'failed' : 'ok',
    reason: nothingGotThrough ? `nothing got through: ${load.errorDetail}` : '',
    generator: load.generator,
    durationSeconds: seconds,
    requestsPerSecond: load.requestsPerSecond,
    throughputBytesPerSecond: load.throughputBytesPerSecond,
    latencyMs: load.latencyMs,
    errors: load.errors,
    errorDetail: load.errorDetail,
    contenderCpuSeconds,
    contenderCpuPercent: percent(contenderCpuSeconds),
    contenderCpuPerUnitOfWork: contenderCpuSeconds === null || unitsOfWork === 0 ? null : (contenderCpuSeconds * 1e6) / unitsOfWork,
    contenderPeakMemoryBytes,
    originCpuPercent: percent(originCpuSeconds),
    generatorCpuPercent: percent(load.generatorCpuSeconds),
    generatorThreads: load.generatorThreads,
    generatorSaturated: load.generatorCpuSeconds / seconds >= SATURATION_SHARE * Math.min(load.generatorThreads, context.cores),
    machineBusyPercent: (busySeconds / seconds / context.cores) * 100,
  };
}

function originCpuSecondsOf(originPids: number | readonly number[]): number {
  return [originPids].flat().reduce((sum, pid) => sum + readProcessTreeUsage(pid).cpuSeconds, 0);
}

/** Runs `load` while counting the contender's and the origin's (every origin process's) CPU time around it. */
export async function measured(
  scenario: Scenario,
  contender: Contender,
  running: RunningContender,
  originPids: number | readonly number[],
  context: MeasureContext,
  load: () => Promise<LoadResult>,
): Promise<Measurement> {
  const contenderBefore = usageOf(running.pid);
  const originBefore = originCpuSecondsOf(originPids);
  const result = await load();
  const contenderAfter = usageOf(running.pid);
  const originCpuSeconds = originCpuSecondsOf(originPids) - originBefore;
  const contenderCpuSeconds = contenderBefore && contenderAfter ? contenderAfter.cpuSeconds - contenderBefore.cpuSeconds : null;
  return toMeasurement(
    scenario,
    contender,
    result,
    contenderCpuSeconds,
    contenderAfter?.peakMemoryBytes ?? null,
    originCpuSeconds,
    context,
  );
}

async function measureHttp(
  scenario: Scenario,
  contender: Contender,
  running: RunningContender,
  context: MeasureContext,
): Promise<Measurement[]> {
  if (scenario.load.kind !== 'http') return [];
  const { options } = context;
  const settings: HttpLoadSettings = {
    port: running.port,
    request: scenario.load.request,
    durationSeconds: options.durationSeconds,
    connections: options.connections,
    workers: options.generatorWorkers,
  };
  const [sample] = concreteRequests(scenario.load.request);
  if (sample) await checkAnswers(running.port, sample);
  if (options.warmupSeconds > 0) await runAutocannon({ ...settings, durationSeconds: options.warmupSeconds });
  const rows = [await measured(scenario, contender, running, context.httpOrigin.pid, context, () => runAutocannon(settings))];
  const wrkBinary = context.wrkBinary;
  const crossCheck = scenario.load.crossCheckWithWrk && options.crossCheckWithWrk && (!options.quick || scenario.id === 'small-get');
  if (wrkBinary && crossCheck) {
    const workDir = join(context.workRoot, `${scenario.id}-${contender.id}-wrk`);
    mkdirSync(workDir, { recursive: true });
    rows.push(await measured(scenario, contender, running, context.httpOrigin.pid, context, () => runWrk(wrkBinary, workDir, settings)));
  }
  return rows;
}

async function measureH2(
  scenario: Scenario,
  contender: Contender,
  running: RunningContender,
  context: MeasureContext,
): Promise<Measurement> {
  const binary = context.h2loadBinary;
  if (scenario.load.kind !== 'h2' || !binary) throw new Error('measureH2 needs an h2 scenario and h2load');
  const { options } = context;
  const settings: H2LoadSettings = {
    port: running.port,
    request: fixedGet(scenario.load.request),
    durationSeconds: options.durationSeconds,
    clients: scenario.load.clients,
    streamsPerClient: scenario.load.streamsPerClient,
    threads: options.generatorWorkers,
  };
  const [sample] = concreteRequests(scenario.load.request);
  if (sample) await checkAnswersH2c(running.port, sample);
  if (options.warmupSeconds > 0) await warmUpH2load(binary, { ...settings, durationSeconds: options.warmupSeconds });
  const workDir = join(context.workRoot, `${scenario.id}-${contender.id}-h2load`);
  mkdirSync(workDir, { recursive: true });
  return measured(scenario, contender, running, context.httpOrigin.pid, context, () => runH2load(binary, workDir, settings));
}

async function measureGrpc(
  scenario: Scenario,
  contender: Contender,
  running: RunningContender,
  context: MeasureContext,
): Promise<Measurement> {
  const { h2loadBinary: binary, grpcOrigin: origin, options } = context;
  if (scenario.load.kind !== 'grpc-unary' || !binary || !origin)
    throw new Error('measureGrpc needs a gRPC scenario, h2load and the gRPC origin');
  const workDir = join(context.workRoot, `${scenario.id}-${contender.id}-h2load`);
  mkdirSync(workDir, { recursive: true });
  const bodyFile = join(workDir, 'unary-request.bin');
  writeFileSync(bodyFile, unaryRequestFrame());
  const settings: H2LoadSettings = {
    port: running.port,
    request: { path: UNARY_PATH, headers: GRPC_REQUEST_HEADERS, bodyFile },
    durationSeconds: options.durationSeconds,
    clients: scenario.load.clients,
    streamsPerClient: scenario.load.streamsPerClient,
    threads: options.generatorWorkers,
  };
  await checkGrpcAnswers(running.port);
  if (options.warmupSeconds > 0) await warmUpH2load(binary, { ...settings, durationSeconds: options.warmupSeconds });
  const servedBefore = await origin.unaryCallsServed();
  const row = await measured(scenario, contender, running, origin.pid, context, () => runH2load(binary, workDir, settings));
  return crossCheckedWithOrigin(row, (await origin.unaryCallsServed()) - servedBefore);
}

async function measureIdle(
  scenario: Scenario,
  contender: Contender,
  running: RunningContender,
  context: MeasureContext,
): Promise<Measurement> {
  const requested = context.options.idleConnections;
  const before = usageOf(running.pid);
  const connections = await openIdleConnections(running.port, requested);
  const afterOpening = usageOf(running.pid);
  const holdSeconds = context.options.durationSeconds;
  const row = await measured(scenario, contender, running, context.httpOrigin.pid, context, async () => {
    const started = performance.now();
    await sleep(holdSeconds * 1000);
    return {
      generator: 'idle-holder',
      durationSeconds: (performance.now() - started) / 1000,
      requestsPerSecond: null,
      throughputBytesPerSecond: null,
      latencyMs: null,
      errors: connections.failed,
      errorDetail: connections.failed > 0 ? `${connections.failed} connections failed, e.g. ${connections.failureExample}` : '',
      generatorCpuSeconds: 0,
      generatorThreads: 1,
    };
  });
  const idle: IdleFigures = {
    requested,
    answered: connections.answered,
    stillOpenAtEnd: connections.stillOpen(),
    memoryPerConnectionBytes:
      before && afterOpening && connections.answered > 0
        ? (afterOpening.residentMemoryBytes - before.residentMemoryBytes) / connections.answered
        : null,
  };
  connections.closeAll();
  const nothingAnswered = connections.answered === 0;
  return { ...row, status: nothingAnswered ? 'failed' : 'ok', reason: nothingAnswered ? row.errorDetail : '', idle };
}

async function measureBulk(
  scenario: Scenario,
  contender: Contender,
  running: RunningContender,
  context: MeasureContext,
): Promise<Measurement> {
  const sink = context.bulkSink;
  if (!sink) throw new Error('the bulk sink is not running');
  const seconds = context.options.durationSeconds;
  return measured(scenario, contender, running, sink.pid, context, () =>
    sink.iperf3 ? runIperf3(sink.iperf3, running.port, seconds) : runBuiltInSender(running.port, seconds),
  );
}

function backendPortsOf(scenario: Scenario, context: MeasureContext): number[] {
  switch (scenario.load.kind) {
    case 'bulk-transfer':
    case 'udp-bulk':
      return context.bulkSink?.ports ?? [];
    case 'grpc-unary':
      return context.grpcOrigin?.ports ?? [];
    case 'udp-dns':
      return context.dnsOrigin?.ports ?? [];
    default:
      return context.httpOrigin.ports;
  }
}

export async function measureContender(scenario: Scenario, contender: Contender, context: MeasureContext): Promise<Measurement[]> {
  const workDir = join(context.workRoot, `${scenario.id}-${contender.id}`);
  mkdirSync(workDir, { recursive: true });
  const backendPorts = backendPortsOf(scenario, context);
  let running: RunningContender;
  try {
    running = await contender.start({
      listenPort: await freePort(),
      backendPorts,
      balance: scenario.balance,
      clientProtocol: clientProtocolOf(scenario),
      edge: contender.edgeBaseline ? null : (scenario.edge ?? null),
      workers: context.options.workers,
      workDir,
    });
  } catch (error) {
    return [notMeasured(scenario.id, contender.id, 'failed', `did not start: ${(error as Error).message}`)];
  }
  try {
    if (scenario.load.kind === 'http') return await measureHttp(scenario, contender, running, context);
    if (scenario.load.kind === 'h2') return [await measureH2(scenario, contender, running, context)];
    if (scenario.load.kind === 'grpc-unary') return [await measureGrpc(scenario, contender, running, context)];
    if (scenario.load.kind === 'idle-connections') return [await measureIdle(scenario, contender, running, context)];
    if (scenario.load.kind === 'udp-dns') return [await measureUdpDns(scenario, contender, running, context)];
    if (scenario.load.kind === 'udp-bulk') return [await measureUdpBulk(scenario, contender, running, context)];
    return [await measureBulk(scenario, contender, running, context)];
  } catch (error) {
    const output = running.output().trim();
    return [notMeasured(scenario.id, contender.id, 'failed', `${(error as Error).message}${output ? `\n${output}` : ''}`)];
  } finally {
    await running.stop();
  }
}
