// The bench reads h2load's text summary and its per-request log; a misread line would turn into wrong figures.
import { describe, expect, it } from 'vitest';
import { latencyFromLogText, parseH2loadSummary } from '../../../bench/load/h2load-load.js';

// h2load 1.52.0 (Debian 12) against nginx 1.22 with its default keepalive_requests of 1000: after 16 × 1000
// requests every connection got GOAWAY and the rest failed.
const NGINX_GOAWAY_OUTPUT = `starting benchmark...
Main benchmark duration is over for thread #0. Stopping all clients.
Stopped all clients for thread #0

finished in 3.00s, 5333.33 req/s, 375.34KB/s
requests: 16348 total, 16348 started, 16348 done, 16000 succeeded, 348 failed, 348 errored, 0 timeout
status codes: 16000 2xx, 0 3xx, 7 4xx, 2 5xx
traffic: 1.10MB (1153056) total, 750.00KB (768000) headers (space savings 51.02%), 93.75KB (96000) data
                     min         max         mean         sd        +/- sd
time for request:     1.44ms    116.08ms     18.54ms     10.05ms    89.29%
`;

describe('parseH2loadSummary', () => {
  it('reads succeeded, failed, non-2xx, req/s and traffic bytes from the summary', () => {
    expect(parseH2loadSummary(NGINX_GOAWAY_OUTPUT)).toEqual({
      succeeded: 16000,
      failed: 348,
      non2xx: 9,
      requestsPerSecond: 5333.33,
      durationSeconds: 3,
      trafficBytes: 1153056,
    });
  });

  it('reads the measured duration whatever its unit, so req/s can count only 2xx/3xx answers', () => {
    // h2load's own req/s counts streams closed cleanly, 5xx answers included (a gRPC proxy answering 503 to all).
    const every5xx = NGINX_GOAWAY_OUTPUT.replace('finished in 3.00s, 5333.33', 'finished in 950.00ms, 3472.00')
      .replace('16000 succeeded', '0 succeeded')
      .replace('16000 2xx', '0 2xx');
    expect(parseH2loadSummary(every5xx)).toMatchObject({ succeeded: 0, durationSeconds: 0.95, requestsPerSecond: 3472 });
  });

  it('names the missing figure and shows the output when h2load printed no summary', () => {
    expect(() => parseH2loadSummary('connect: Connection refused\n')).toThrow(/no succeeded requests:\nconnect: Connection refused/);
  });
});

describe('latencyFromLogText', () => {
  it('takes p50 / p99 / p99.9 in ms from the third column (µs) of the per-request log', () => {
    // 1000 requests taking 1..1000 ms, in shuffled order as with several h2load threads.
    const lines = Array.from({ length: 1000 }, (_, index) => `1796130910809159\t200\t${((index * 7) % 1000) * 1000 + 1000}`);
    expect(latencyFromLogText(`${lines.join('\n')}\n`)).toEqual({ p50: 500, p99: 990, p99_9: 999 });
  });

  it('gives no latency for an empty log', () => {
    expect(latencyFromLogText('')).toBeNull();
  });
});
