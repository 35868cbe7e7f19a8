// The grpc-unary scenario's pieces that decide its figures: the body h2load sends, the check against the origin's
// own count, and the summary of alternating rounds.
import { describe, expect, it } from 'vitest';
import { crossCheckedWithOrigin } from '../../../bench/measure/origin-cross-check.js';
import { loadEchoService, unaryRequestFrame } from '../../../bench/origins/grpc-echo.js';
import { UNARY_REQUEST_TEXT } from '../../../bench/origins/payloads.js';
import { type Measurement, notMeasured } from '../../../bench/report/measurement.js';
import { roundsSummary } from '../../../bench/report/rounds-summary.js';

function okRow(contender: string, round: number, requestsPerSecond: number, p99: number, haproxyRatio: number | null): Measurement {
  return {
    ...notMeasured('grpc-unary', contender, 'failed', ''),
    status: 'ok',
    round,
    generator: 'h2load',
    durationSeconds: 10,
    requestsPerSecond,
    latencyMs: { p50: p99 / 4, p99, p99_9: p99 * 2 },
    contenderCpuPerUnitOfWork: 1e6 / requestsPerSecond,
    toHaproxy:
      haproxyRatio === null
        ? null
        : {
            requestsPerSecond: haproxyRatio,
            throughputBytesPerSecond: null,
            latencyP99: null,
            contenderCpuPerUnitOfWork: null,
            contenderPeakMemoryBytes: null,
          },
  };
}

describe('unaryRequestFrame', () => {
  it('is one uncompressed length-prefixed message that grpc-js decodes as the EchoRequest the check sends', () => {
    const frame = unaryRequestFrame();
    expect(frame[0]).toBe(0);
    expect(frame.readUInt32BE(1)).toBe(frame.length - 5);
    const decode = loadEchoService().service.Unary?.requestDeserialize;
    expect(decode?.(frame.subarray(5))).toEqual({ text: UNARY_REQUEST_TEXT });
  });
});

describe('crossCheckedWithOrigin', () => {
  const row = okRow('nginx-proxy', 1, 1000, 5, null); // 10,000 answers in 10 s

  it('leaves a row alone when the origin served every answer (or more: calls cut off by the run end)', () => {
    expect(crossCheckedWithOrigin(row, 10_000)).toEqual(row);
    expect(crossCheckedWithOrigin(row, 10_300)).toEqual(row);
  });

  it('counts answers the origin never served as errors, and fails the row past 1% of them', () => {
    const few = crossCheckedWithOrigin(row, 9_950);
    expect(few.status).toBe('ok');
    expect(few.errors).toBe(50);
    expect(few.errorDetail).toBe('50 of 10000 answers did not come from the origin (gRPC errors)');
    const many = crossCheckedWithOrigin(row, 5_000);
    expect(many.status).toBe('failed');
    expect(many.reason).toBe('5000 of 10000 answers did not come from the origin (gRPC errors)');
  });
});

describe('roundsSummary', () => {
  it('is empty when every contender ran once', () => {
    expect(roundsSummary([okRow('haproxy-http', 1, 5000, 10, 1)].map(({ round: _, ...rest }) => rest))).toBe('');
  });

  it('gives the median and range of req/s, p99, CPU and the HAProxy ratio per contender, and counts failed rounds', () => {
    const rows = [
      okRow('haproxy-http', 1, 5000, 10, 1),
      okRow('fulcrum-all', 1, 3000, 20, 0.6),
      okRow('fulcrum-all', 2, 2000, 30, 0.4),
      okRow('haproxy-http', 2, 5000, 12, 1),
      okRow('haproxy-http', 3, 4000, 11, 1),
      { ...notMeasured('grpc-unary', 'fulcrum-all', 'failed', 'did not start'), round: 3 },
    ];
    const lines = roundsSummary(rows).split('\n');
    expect(lines).toContain(
      '| grpc-unary | haproxy-http | h2load | 3 | 5000 (4000–5000) | 11 (10–12) | 200 (200–250) | 1.00× (1.00×–1.00×) |',
    );
    expect(lines).toContain(
      '| grpc-unary | fulcrum-all | h2load | 2 (1 failed) | 2500 (2000–3000) | 25 (20–30) | 417 (333–500) | 0.50× (0.40×–0.60×) |',
    );
  });
});
