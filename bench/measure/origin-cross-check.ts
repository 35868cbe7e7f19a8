// gRPC answers checked against the origin's own count: a proxy's gRPC errors are HTTP 200, which h2load counts as
// successes, so without this a contender answering errors fast would pass as fast.
import type { Measurement } from '../report/measurement.js';

/** More answers than this share not reaching the origin fail the row. */
const NOT_FROM_ORIGIN_FAILS = 0.01;

/**
 * Every answer h2load counts as a success must be a call the origin served during the run; a proxy's own gRPC
 * errors are HTTP 200 too. Answers beyond the origin's count are errors, and past 1% they fail the row.
 */
export function crossCheckedWithOrigin(row: Measurement, originServed: number): Measurement {
  if (row.status !== 'ok' || row.requestsPerSecond === null) return row;
  const answered = Math.round(row.requestsPerSecond * row.durationSeconds);
  const notFromOrigin = Math.max(0, answered - originServed);
  if (notFromOrigin === 0) return row;
  const detail = `${notFromOrigin} of ${answered} answers did not come from the origin (gRPC errors)`;
  const failed = notFromOrigin > NOT_FROM_ORIGIN_FAILS * answered;
  return {
    ...row,
    status: failed ? 'failed' : 'ok',
    reason: failed ? detail : row.reason,
    errors: row.errors + notFromOrigin,
    errorDetail: row.errorDetail ? `${row.errorDetail}, ${detail}` : detail,
  };
}
