// Number formatting shared by the table, the progress lines and the chart.
import type { Measurement } from './measurement.js';

export function formatCount(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

export function formatBytesPerSecond(bytesPerSecond: number): string {
  const bitsPerSecond = bytesPerSecond * 8;
  if (bitsPerSecond >= 1e9) return `${(bitsPerSecond / 1e9).toFixed(2)} Gbit/s`;
  return `${(bitsPerSecond / 1e6).toFixed(bitsPerSecond >= 1e8 ? 0 : 1)} Mbit/s`;
}

export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (Math.abs(bytes) >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes.toFixed(0)} B`;
}

export function formatMilliseconds(milliseconds: number): string {
  return milliseconds >= 10 ? milliseconds.toFixed(0) : milliseconds.toFixed(milliseconds >= 1 ? 1 : 2);
}

/** A row's contender, with its round when the run had several ("haproxy-http #2"). */
export function contenderLabel(row: Measurement): string {
  return row.round !== undefined && row.round > 1 ? `${row.contender} #${row.round}` : row.contender;
}

export function formatRatio(ratio: number | null): string {
  return ratio === null ? '–' : `${ratio.toFixed(2)}×`;
}

export function formatPercent(percent: number | null): string {
  return percent === null ? '–' : `${percent.toFixed(0)}%`;
}

/** Contender CPU time per request (per MiB for bulk streams), from /proc, e.g. "38 µs/req". */
export function formatCpuPerUnitOfWork(row: Measurement): string {
  const value = row.contenderCpuPerUnitOfWork;
  if (value === null) return '–';
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)} µs/${row.requestsPerSecond === null ? 'MiB' : 'req'}`;
}

/** What a scenario is judged by: requests/s for HTTP load, bytes/s for bulk, peak memory for idle connections. */
export type PrimaryFigure = 'requestsPerSecond' | 'throughputBytesPerSecond' | 'contenderPeakMemoryBytes';

export function primaryFigureOf(row: Measurement): PrimaryFigure {
  if (row.generator === 'idle-holder') return 'contenderPeakMemoryBytes';
  if (row.requestsPerSecond === null) return 'throughputBytesPerSecond';
  return 'requestsPerSecond';
}

export function formatPrimary(row: Measurement): string {
  const figure = primaryFigureOf(row);
  const value = row[figure];
  if (value === null) return '–';
  if (figure === 'requestsPerSecond') return `${formatCount(value)} req/s`;
  if (figure === 'throughputBytesPerSecond') return formatBytesPerSecond(value);
  return `${formatBytes(value)} peak`;
}
