// One row of the results: a contender under one scenario, measured by one load generator.
import type { GeneratorName, LatencyPercentiles } from '../load/load-result.js';

export interface IdleFigures {
  requested: number;
  answered: number;
  stillOpenAtEnd: number;
  /** Growth of the contender's resident memory while the connections opened, per connection. */
  memoryPerConnectionBytes: number | null;
}

/** A figure of this row divided by the same figure of a reference row from the same run. */
export interface Ratios {
  requestsPerSecond: number | null;
  throughputBytesPerSecond: number | null;
  latencyP99: number | null;
  contenderCpuPerUnitOfWork: number | null;
  contenderPeakMemoryBytes: number | null;
}

export interface Measurement {
  scenario: string;
  contender: string;
  /** Which of the run's alternating rounds (1-based); absent in runs before --rounds existed. */
  round?: number;
  status: 'ok' | 'failed' | 'skipped';
  /** Why it was skipped or failed (with the contender's own output when it failed to start). */
  reason: string;
  generator: GeneratorName | null;
  durationSeconds: number;
  requestsPerSecond: number | null;
  throughputBytesPerSecond: number | null;
  latencyMs: LatencyPercentiles | null;
  errors: number;
  errorDetail: string;
  contenderCpuSeconds: number | null;
  /** CPU time / wall time × 100: 100 is one core busy. */
  contenderCpuPercent: number | null;
  /** Contender CPU microseconds per request (or per MiB moved, for bulk). */
  contenderCpuPerUnitOfWork: number | null;
  contenderPeakMemoryBytes: number | null;
  originCpuPercent: number | null;
  generatorCpuPercent: number | null;
  generatorThreads: number;
  /** The generator used ≥ 90% of the cores it can use: the figure is a floor, not the contender's limit. */
  generatorSaturated: boolean;
  /** Generator + contender + origin CPU as a share of every core of the machine. */
  machineBusyPercent: number | null;
  idle: IdleFigures | null;
  toHaproxy: Ratios | null;
  toDirect: Ratios | null;
}

export function notMeasured(scenario: string, contender: string, status: 'failed' | 'skipped', reason: string): Measurement {
  return {
    scenario,
    contender,
    status,
    reason,
    generator: null,
    durationSeconds: 0,
    requestsPerSecond: null,
    throughputBytesPerSecond: null,
    latencyMs: null,
    errors: 0,
    errorDetail: '',
    contenderCpuSeconds: null,
    contenderCpuPercent: null,
    contenderCpuPerUnitOfWork: null,
    contenderPeakMemoryBytes: null,
    originCpuPercent: null,
    generatorCpuPercent: null,
    generatorThreads: 0,
    generatorSaturated: false,
    machineBusyPercent: null,
    idle: null,
    toHaproxy: null,
    toDirect: null,
  };
}
