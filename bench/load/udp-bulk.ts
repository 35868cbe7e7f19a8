// UDP bulk: one iperf3 -u stream at unlimited rate. iperf3 sets up its test over a TCP control connection to the
// same port number, so a proxy of datagrams alone cannot carry it: a small TCP relay on the proxy's port forwards
// the control connection to the iperf3 server, while the datagrams go through the proxy.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import { reapedChildrenCpuSeconds } from '../measure/process-usage.js';
import type { LoadResult } from './load-result.js';

const GRACE_BEYOND_TEST_MS = 5_000;

export interface UdpBulkSettings {
  binary: string;
  /** Where the datagrams go: the proxy's port, or the server's for direct access. */
  port: number;
  datagramBytes: number;
  durationSeconds: number;
}

interface Iperf3UdpSum {
  bytes: number;
  seconds: number;
  lost_packets: number;
  packets: number;
  lost_percent: number;
}

interface Iperf3UdpReport {
  error?: string;
  end?: { sum_received?: Iperf3UdpSum; sum_sent?: Iperf3UdpSum };
}

/** Forwards TCP connections on 127.0.0.1:listenPort to 127.0.0.1:targetPort (iperf3's control channel). */
export async function startControlRelay(listenPort: number, targetPort: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.once('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  server.listen(listenPort, '127.0.0.1');
  await once(server, 'listening');
  return {
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function runIperf3Udp(settings: UdpBulkSettings): Promise<string> {
  const args = [
    ...['--client', '127.0.0.1', '--port', String(settings.port), '--udp', '--bitrate', '0'],
    ...['--length', String(settings.datagramBytes), '--time', String(settings.durationSeconds), '--connect-timeout', '3000', '--json'],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(settings.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const watchdog = setTimeout(() => child.kill('SIGKILL'), settings.durationSeconds * 1000 + GRACE_BEYOND_TEST_MS);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (_code, signal) => {
      clearTimeout(watchdog);
      resolve(signal === 'SIGKILL' ? '{"error": "iperf3 -u got no answer through the proxy and was stopped"}' : output);
    });
  });
}

/** The bandwidth the server received, and the datagrams it did not, as a bench row. */
export async function runUdpBulk(settings: UdpBulkSettings): Promise<LoadResult> {
  const cpuBefore = reapedChildrenCpuSeconds();
  const output = await runIperf3Udp(settings);
  let report: Iperf3UdpReport;
  try {
    report = JSON.parse(output) as Iperf3UdpReport;
  } catch {
    throw new Error(`iperf3 -u printed no JSON report:\n${output.trim()}`);
  }
  const received = report.end?.sum_received;
  const base = {
    generator: 'iperf3-udp' as const,
    requestsPerSecond: null,
    latencyMs: null,
    generatorCpuSeconds: reapedChildrenCpuSeconds() - cpuBefore,
    generatorThreads: 1,
  };
  if (!received || received.seconds === 0 || received.bytes === 0) {
    const error = report.error ?? 'the iperf3 server received nothing';
    return { ...base, durationSeconds: settings.durationSeconds, throughputBytesPerSecond: 0, errors: 1, errorDetail: error };
  }
  return {
    ...base,
    durationSeconds: received.seconds,
    throughputBytesPerSecond: received.bytes / received.seconds,
    errors: received.lost_packets,
    errorDetail:
      received.lost_packets > 0
        ? `${received.lost_packets} of ${received.packets} datagrams lost (${received.lost_percent.toFixed(1)}%)`
        : '',
  };
}
