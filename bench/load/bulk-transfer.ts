// L4 bulk throughput: one TCP stream as fast as it goes, by iperf3 when installed, else by a built-in sender.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ownCpuSeconds, reapedChildrenCpuSeconds } from '../measure/process-usage.js';
import type { LoadResult } from './load-result.js';

const CHUNK = Buffer.alloc(1024 * 1024, 'x');
const ATTEMPTS = 4;
/** A refused start fails at once; a test that ran and failed is not retried. */
const QUICK_FAILURE_MS = 2_000;
/** iperf3 waits long for a peer that never answers (a proxy that is not L4); give up past the test's own length. */
const GRACE_BEYOND_TEST_MS = 5_000;

function bulkResult(
  generator: LoadResult['generator'],
  bytes: number,
  durationSeconds: number,
  cpuSeconds: number,
  error: string,
): LoadResult {
  return {
    generator,
    durationSeconds,
    requestsPerSecond: null,
    throughputBytesPerSecond: bytes / durationSeconds,
    latencyMs: null,
    errors: error ? 1 : 0,
    errorDetail: error,
    generatorCpuSeconds: cpuSeconds,
    generatorThreads: 1,
  };
}

function runIperf3Once(binary: string, port: number, durationSeconds: number): Promise<{ code: number | null; output: string }> {
  const args = ['--client', '127.0.0.1', '--port', String(port), '--time', String(durationSeconds), '--connect-timeout', '3000', '--json'];
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const watchdog = setTimeout(() => child.kill('SIGKILL'), durationSeconds * 1000 + GRACE_BEYOND_TEST_MS);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(watchdog);
      resolve({ code, output: signal === 'SIGKILL' ? '{"error": "iperf3 got no answer through the proxy and was stopped"}' : output });
    });
  });
}

export async function runIperf3(binary: string, port: number, durationSeconds: number): Promise<LoadResult> {
  const cpuBefore = reapedChildrenCpuSeconds();
  for (let attempt = 0; ; attempt++) {
    const attemptStarted = performance.now();
    const { output } = await runIperf3Once(binary, port, durationSeconds);
    let report: { error?: string; end?: { sum_received?: { bytes: number; seconds: number } } };
    try {
      report = JSON.parse(output) as typeof report;
    } catch {
      throw new Error(`iperf3 printed no JSON report:\n${output.trim()}`);
    }
    const received = report.end?.sum_received;
    // The readiness probe reaches the iperf3 server through a TCP proxy as a broken test; while the server
    // recovers from it (it re-opens its listener), a new test is refused or reset. Try again shortly.
    const failedAtOnce = performance.now() - attemptStarted < QUICK_FAILURE_MS;
    if (report.error && !received?.bytes && failedAtOnce && attempt + 1 < ATTEMPTS) {
      await sleep(300);
      continue;
    }
    const cpuSeconds = reapedChildrenCpuSeconds() - cpuBefore;
    if (!received || received.seconds === 0)
      return bulkResult('iperf3', 0, durationSeconds, cpuSeconds, report.error ?? 'iperf3 received nothing');
    return bulkResult('iperf3', received.bytes, received.seconds, cpuSeconds, report.error ?? '');
  }
}

/** Writes 1 MiB chunks as fast as the socket drains, for the duration; counts what the kernel took. */
export async function runBuiltInSender(port: number, durationSeconds: number): Promise<LoadResult> {
  const cpuBefore = ownCpuSeconds();
  const socket = connect({ host: '127.0.0.1', port });
  let error = '';
  socket.on('error', (cause: Error) => (error ||= cause.message));
  await new Promise<void>((resolve) => socket.once('connect', resolve).once('error', () => resolve()));
  const started = performance.now();
  const deadline = started + durationSeconds * 1000;
  while (!error && performance.now() < deadline) {
    if (!socket.write(CHUNK)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
  }
  const elapsedSeconds = (performance.now() - started) / 1000;
  const bytes = socket.bytesWritten - socket.writableLength;
  socket.destroy();
  return bulkResult('bulk-sender', bytes, elapsedSeconds, ownCpuSeconds() - cpuBefore, error);
}
