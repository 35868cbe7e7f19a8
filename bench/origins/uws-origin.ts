// The HTTP origin when nginx is not installed: uws-origin-server in its own process.
import { fileURLToPath } from 'node:url';
import { freePort } from '../processes/free-port.js';
import { startServerProcess } from '../processes/server-process.js';
import type { RunningOrigin } from './origin.js';

const SERVER_PROGRAM = fileURLToPath(new URL('./uws-origin-server.js', import.meta.url));

export async function startUwsOrigin(workers: number, portCount: number): Promise<RunningOrigin> {
  const ports = await Promise.all(Array.from({ length: portCount }, freePort));
  const server = await startServerProcess({
    command: process.execPath,
    args: [SERVER_PROGRAM, String(workers), ...ports.map(String)],
    readyPort: ports[ports.length - 1] as number,
  });
  return { description: `uWebSockets.js (${workers} thread${workers === 1 ? '' : 's'})`, ports, pid: server.pid, stop: server.stop };
}
