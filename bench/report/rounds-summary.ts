// With --rounds, one line per scenario, contender and generator: the median and range over its alternating rounds.
import { formatBytesPerSecond, formatCount, formatMilliseconds, formatRatio } from './format.js';
import type { Measurement } from './measurement.js';

const HEADER = ['scenario', 'contender', 'generator', 'rounds ok', 'req/s (or bandwidth)', 'p99 ms', 'CPU µs/req (or /MiB)', '× HAProxy'];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** "median (min–max)" of the figures the rounds have, or "–". */
function spread(values: (number | null | undefined)[], format: (value: number) => string): string {
  const present = values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  if (present.length === 0) return '–';
  return `${format(median(present))} (${format(Math.min(...present))}–${format(Math.max(...present))})`;
}

function groupKey(row: Measurement): string {
  return `${row.scenario}\u0000${row.contender}\u0000${row.generator ?? ''}`;
}

/** The Markdown summary of a run with several rounds; empty when every row ran once. */
export function roundsSummary(rows: Measurement[]): string {
  if (!rows.some((row) => (row.round ?? 1) > 1)) return '';
  const groups = new Map<string, Measurement[]>();
  for (const row of rows.filter((candidate) => candidate.status === 'ok')) {
    groups.set(groupKey(row), [...(groups.get(groupKey(row)) ?? []), row]);
  }
  const lines = [...groups.values()].map((ok) => {
    const first = ok[0] as Measurement;
    // Failed rows have no generator: they count against every generator of the same scenario and contender.
    const failedRounds = rows.filter(
      (row) => row.status !== 'ok' && row.scenario === first.scenario && row.contender === first.contender,
    ).length;
    return [
      first.scenario,
      first.contender,
      first.generator ?? '–',
      `${ok.length}${failedRounds > 0 ? ` (${failedRounds} failed)` : ''}`,
      // Bulk streams have no requests: their bandwidth is the figure.
      first.requestsPerSecond === null
        ? spread(
            ok.map((row) => row.throughputBytesPerSecond),
            formatBytesPerSecond,
          )
        : spread(
            ok.map((row) => row.requestsPerSecond),
            formatCount,
          ),
      spread(
        ok.map((row) => row.latencyMs?.p99),
        formatMilliseconds,
      ),
      spread(
        ok.map((row) => row.contenderCpuPerUnitOfWork),
        (value) => value.toFixed(value >= 10 ? 0 : 1),
      ),
      spread(
        ok.map((row) => row.toHaproxy?.requestsPerSecond),
        (value) => formatRatio(value),
      ),
    ];
  });
  return [
    '',
    'Rounds (alternating order): median (min–max) over the rounds that measured; × HAProxy is per round, same generator.',
    '',
    ...[HEADER, HEADER.map(() => '---'), ...lines].map((line) => `| ${line.join(' | ')} |`),
  ].join('\n');
}
