// Drives HTTP load with autocannon in worker threads and reads its result into a LoadResult.
import autocannon from 'autocannon';
import { ownCpuSeconds } from '../measure/process-usage.js';
import type { HttpRequestShape } from '../scenarios.js';
import { concreteRequests } from './http-requests.js';
import { describeErrors, type LoadResult, sumOf } from './load-result.js';

export interface HttpLoadSettings {
  port: number;
  request: HttpRequestShape;
  durationSeconds: number;
  connections: number;
  workers: number;
}

export async function runAutocannon(settings: HttpLoadSettings): Promise<LoadResult> {
  const requests = concreteRequests(settings.request);
  const connections = Math.max(settings.connections, settings.workers);
  const newConnectionPerRequest = settings.request.newConnectionPerRequest;
  const cpuBefore = ownCpuSeconds();
  const result = await autocannon({
    url: `http://127.0.0.1:${settings.port}`,
    connections,
    workers: settings.workers,
    duration: settings.durationSeconds,
    // The client closes after each response whatever the server does (the requests also say "Connection: close").
    reconnectRate: newConnectionPerRequest ? 1 : 0,
    requests: requests.map((request) => ({ method: request.method, path: request.path, headers: request.headers, body: request.body })),
  });
  const generatorCpuSeconds = ownCpuSeconds() - cpuBefore;
  const durationSeconds = result.duration;
  // autocannon 9 resets a reconnecting client before it records the response, so with reconnectRate it
  // counts no response and no latency; every sent request but those still in flight (one per connection) was answered.
  const completed = newConnectionPerRequest ? Math.max(0, result.requests.sent - connections) : result.requests.total;
  const errorCounts = { errors: result.errors, timeouts: result.timeouts, 'non-2xx': result.non2xx };
  const bodyBytes = settings.request.bodyBytes;
  const throughputBytesPerSecond = bodyBytes > 0 ? (completed * bodyBytes) / durationSeconds : result.throughput.total / durationSeconds;
  return {
    generator: 'autocannon',
    durationSeconds,
    requestsPerSecond: completed / durationSeconds,
    throughputBytesPerSecond: newConnectionPerRequest ? null : throughputBytesPerSecond,
    latencyMs: newConnectionPerRequest ? null : { p50: result.latency.p50, p99: result.latency.p99, p99_9: result.latency.p99_9 },
    errors: sumOf(errorCounts),
    errorDetail: describeErrors(errorCounts),
    generatorCpuSeconds,
    generatorThreads: settings.workers,
  };
}
