// The side-by-side table, in Markdown: printed at the end of a run and pasted into docs/bench.md.
import {
  contenderLabel,
  formatBytes,
  formatBytesPerSecond,
  formatCpuPerUnitOfWork,
  formatMilliseconds,
  formatPercent,
  formatPrimary,
  formatRatio,
  primaryFigureOf,
} from './format.js';
import type { Measurement, Ratios } from './measurement.js';

const HEADER = [
  'scenario',
  'contender',
  'generator',
  'result',
  'throughput',
  'latency p50 / p99 / p99.9 ms',
  'errors',
  'contender CPU',
  'CPU per request',
  'peak RSS',
  'generator CPU',
  '× HAProxy',
  '× direct',
];

const SATURATED_MARK = ' ⚠';
const MACHINE_BUSY_MARK = ' ◆';
/** Generator, contender and origin together kept this share of all cores busy: the box itself was the limit. */
const MACHINE_BUSY_PERCENT = 90;

function limitMarks(row: Measurement): string {
  const machineBusy = row.machineBusyPercent !== null && row.machineBusyPercent >= MACHINE_BUSY_PERCENT;
  return (row.generatorSaturated ? SATURATED_MARK : '') + (machineBusy ? MACHINE_BUSY_MARK : '');
}

function primaryRatio(row: Measurement, ratios: Ratios | null): string {
  if (!ratios) return '–';
  const figure = primaryFigureOf(row);
  return formatRatio(figure === 'contenderPeakMemoryBytes' ? ratios.contenderPeakMemoryBytes : ratios[figure]);
}

function resultCell(row: Measurement): string {
  if (row.status !== 'ok') return `${row.status}: ${row.reason.split('\n')[0]}`;
  if (row.idle) {
    const perConnection = row.idle.memoryPerConnectionBytes === null ? '' : ` · ${formatBytes(row.idle.memoryPerConnectionBytes)}/conn`;
    return `${formatPrimary(row)}${perConnection} · ${row.idle.stillOpenAtEnd}/${row.idle.requested} open at end`;
  }
  return formatPrimary(row) + limitMarks(row);
}

function cells(row: Measurement): string[] {
  if (row.status !== 'ok')
    return [row.scenario, contenderLabel(row), row.generator ?? '–', resultCell(row), ...Array<string>(HEADER.length - 4).fill('–')];
  const latency = row.latencyMs
    ? `${formatMilliseconds(row.latencyMs.p50)} / ${formatMilliseconds(row.latencyMs.p99)} / ${formatMilliseconds(row.latencyMs.p99_9)}`
    : '–';
  return [
    row.scenario,
    contenderLabel(row),
    row.generator ?? '–',
    resultCell(row),
    row.idle || row.throughputBytesPerSecond === null ? '–' : formatBytesPerSecond(row.throughputBytesPerSecond),
    latency,
    row.errors > 0 ? row.errorDetail : '0',
    formatPercent(row.contenderCpuPercent),
    formatCpuPerUnitOfWork(row),
    row.contenderPeakMemoryBytes === null ? '–' : formatBytes(row.contenderPeakMemoryBytes),
    formatPercent(row.generatorCpuPercent) + (row.generatorSaturated ? SATURATED_MARK : ''),
    primaryRatio(row, row.toHaproxy),
    primaryRatio(row, row.toDirect),
  ];
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|');
}

export function markdownTable(rows: Measurement[]): string {
  const lines = [HEADER, HEADER.map(() => '---'), ...rows.map(cells)].map((line) => `| ${line.map(escapeCell).join(' | ')} |`);
  const legend = [
    '',
    `⚠ the load generator used ≥ 90% of the cores it can use: that figure is a floor set by the generator, not the contender's limit.`,
    `◆ generator, contender and origin together kept ≥ ${MACHINE_BUSY_PERCENT}% of all cores busy: the machine was the limit, the contender did not have it to itself.`,
    "× columns: the scenario's main figure (req/s, bandwidth, or peak RSS for idle connections) divided by HAProxy's at the same layer and by direct access, same run, same generator.",
  ];
  return [...lines, ...legend].join('\n');
}
