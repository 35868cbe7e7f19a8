// The receiving end of the L4 bulk scenario: an iperf3 server when installed, else the built-in sink.
import { fileURLToPath } from 'node:url';
import { findBinary } from '../processes/find-binary.js';
import { freePort } from '../processes/free-port.js';
import { startServerProcess } from '../processes/server-process.js';
import type { RunningOrigin } from './origin.js';

const BUILT_IN_SINK = fileURLToPath(new URL('./bulk-sink-server.js', import.meta.url));

export interface BulkSink extends RunningOrigin {
  /** The iperf3 binary the sender must use, or null for the built-in sender. */
  iperf3: string | null;
}

export async function startBulkSink(): Promise<BulkSink> {
  const port = await freePort();
  const iperf3 = findBinary('iperf3');
  const server = iperf3
    ? await startServerProcess({ command: iperf3, args: ['--server', '--bind', '127.0.0.1', '--port', String(port)], readyPort: port })
    : await startServerProcess({ command: process.execPath, args: [BUILT_IN_SINK, String(port)], readyPort: port });
  return { description: iperf3 ? 'iperf3 server' : 'built-in sink', ports: [port], pid: server.pid, stop: server.stop, iperf3 };
}
