// Drives HTTP load with autocannon in worker threads and reads its result into a LoadResult.
import autocannon from 'autocannon';
import type { HttpRequestShape } from '../scenarios.js';
import { ownCpuSeconds } from '../measure/process-usage.js';
import { concreteRequests } from './http-requests.js';
import { describeErrors, sumOf, type LoadResult } from './load-result.js';

export interface HttpLoadSettings {
  port: number;
  request: HttpRequestShape;
  durationSeconds: number;
  connections: number;
  workers: number;
}

export async function runAutocannon(settings: HttpLoadSettings): Promise<LoadResult> {
  const requests = concreteRequests(settings.request);
  const cpuBefore = ownCpuSeconds();
  const result = await autocannon({
    url: `http://127.0.0.1:${settings.port}`,
    connections: Math.max(settings.connections, settings.workers),
    workers: settings.workers,
    duration: settings.durationSeconds,
    // For a new connection per request the requests carry "Connection: close": the server closes and
    // autocannon reconnects. (Its reconnectRate: 1 completes no request at all in autocannon 9.)
    requests: requests.map((request) => ({ method: request.method, path: request.path, headers: request.headers, body: request.body })),
  });
  const generatorCpuSeconds = ownCpuSeconds() - cpuBefore;
  const durationSeconds = result.duration;
  const completed = result.requests.total;
  const errorCounts = { errors: result.errors, timeouts: result.timeouts, 'non-2xx': result.non2xx };
  const throughputBytesPerSecond = settings.request.bodyBytes > 0 ? (completed * settings.request.bodyBytes) / durationSeconds : result.throughput.total / durationSeconds;
  return {
    generator: 'autocannon',
    durationSeconds,
    requestsPerSecond: completed / durationSeconds,
    throughputBytesPerSecond,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, p99_9: result.latency.p99_9 },
    errors: sumOf(errorCounts),
    errorDetail: describeErrors(errorCounts),
    generatorCpuSeconds,
    generatorThreads: settings.workers,
  };
}
