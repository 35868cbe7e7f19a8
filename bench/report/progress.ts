// Progress lines on stderr while the suite runs: what is running, then what it measured.

import { formatCpuPerUnitOfWork, formatMilliseconds, formatPercent, formatPrimary } from './format.js';
import type { Measurement } from './measurement.js';

export class Progress {
  private done = 0;
  private startedAt = 0;

  constructor(private readonly total: number) {}

  note(text: string): void {
    process.stderr.write(`bench: ${text}\n`);
  }

  starting(scenario: string, contender: string): void {
    this.done++;
    this.startedAt = performance.now();
    const width = String(this.total).length;
    process.stderr.write(`[${String(this.done).padStart(width)}/${this.total}] ${scenario.padEnd(16)} ${contender.padEnd(13)} … `);
  }

  finished(rows: Measurement[]): void {
    const took = ` (${((performance.now() - this.startedAt) / 1000).toFixed(1)} s)`;
    process.stderr.write(`${rows.map(describeRow).join(`\n${' '.repeat(34 + 2 * String(this.total).length)}`) + took}\n`);
  }
}

function describeRow(row: Measurement): string {
  if (row.status !== 'ok') return `${row.status.toUpperCase()}: ${row.reason.split('\n')[0]}`;
  const parts = [`${row.generator}`, formatPrimary(row)];
  if (row.latencyMs) parts.push(`p99 ${formatMilliseconds(row.latencyMs.p99)} ms`);
  if (row.errors > 0) parts.push(`errors: ${row.errorDetail}`);
  if (row.idle) parts.push(`${row.idle.answered}/${row.idle.requested} answered, ${row.idle.stillOpenAtEnd} still open`);
  parts.push(
    `contender CPU ${formatPercent(row.contenderCpuPercent)} (${formatCpuPerUnitOfWork(row)})`,
    `generator CPU ${formatPercent(row.generatorCpuPercent)}`,
  );
  if (row.generatorSaturated) parts.push('GENERATOR SATURATED');
  return parts.join(' · ');
}
