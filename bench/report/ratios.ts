// Puts each row next to HAProxy at the same layer and next to direct access, from the same run, round and generator.
import type { Scenario } from '../scenarios.js';
import type { Measurement, Ratios } from './measurement.js';

function divide(value: number | null | undefined, reference: number | null | undefined): number | null {
  if (value === null || value === undefined || reference === null || reference === undefined || reference === 0) return null;
  return value / reference;
}

function ratiosBetween(row: Measurement, reference: Measurement | undefined): Ratios | null {
  if (reference?.status !== 'ok' || row.status !== 'ok') return null;
  return {
    requestsPerSecond: divide(row.requestsPerSecond, reference.requestsPerSecond),
    throughputBytesPerSecond: divide(row.throughputBytesPerSecond, reference.throughputBytesPerSecond),
    latencyP99: divide(row.latencyMs?.p99, reference.latencyMs?.p99),
    contenderCpuPerUnitOfWork: divide(row.contenderCpuPerUnitOfWork, reference.contenderCpuPerUnitOfWork),
    contenderPeakMemoryBytes: divide(row.contenderPeakMemoryBytes, reference.contenderPeakMemoryBytes),
  };
}

/** HAProxy in tcp mode for L4 contenders and L4-only scenarios, in http mode otherwise. */
export function haproxyReferenceId(scenario: Scenario, contenderLayer: string): string {
  return contenderLayer === 'tcp' || !scenario.layers.includes('http') ? 'haproxy-tcp' : 'haproxy-http';
}

export function withRatios(rows: Measurement[], scenarios: Scenario[], layerOf: (contenderId: string) => string): Measurement[] {
  return rows.map((row) => {
    const scenario = scenarios.find((candidate) => candidate.id === row.scenario);
    if (!scenario) return row;
    const sameRun = (contenderId: string) =>
      rows.find(
        (other) =>
          other.scenario === row.scenario &&
          other.contender === contenderId &&
          other.generator === row.generator &&
          (other.round ?? 1) === (row.round ?? 1),
      );
    return {
      ...row,
      toHaproxy: ratiosBetween(row, sameRun(haproxyReferenceId(scenario, layerOf(row.contender)))),
      toDirect: ratiosBetween(row, sameRun('direct')),
    };
  });
}
