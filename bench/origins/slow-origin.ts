// Starts slow-origin-server in its own process: the one origin of three that answers late in slow-backend.
import { fileURLToPath } from 'node:url';
import { freePort } from '../processes/free-port.js';
import { startServerProcess } from '../processes/server-process.js';
import type { RunningOrigin } from './origin.js';

const SERVER_PROGRAM = fileURLToPath(new URL('./slow-origin-server.js', import.meta.url));

export async function startSlowOrigin(delayMs: number): Promise<RunningOrigin> {
  const port = await freePort();
  const server = await startServerProcess({
    command: process.execPath,
    args: [SERVER_PROGRAM, String(delayMs), String(port)],
    readyPort: port,
  });
  return { description: `uWebSockets.js answering ${delayMs} ms late (1 thread)`, ports: [port], pid: server.pid, stop: server.stop };
}
