// The grpc-unary scenario's origin: grpc-origin-server in its own process, and a direct client to read its call count.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { freePort } from '../processes/free-port.js';
import { startServerProcess } from '../processes/server-process.js';
import { echoClient } from './grpc-echo.js';
import type { RunningOrigin } from './origin.js';

const SERVER_PROGRAM = fileURLToPath(new URL('./grpc-origin-server.js', import.meta.url));
const COUNT_DEADLINE_MS = 5_000;

export interface GrpcOrigin extends RunningOrigin {
  /** Unary calls the origin has answered so far, asked directly on its first port. */
  unaryCallsServed(): Promise<number>;
  /** Closes the direct client (the process is stopped with every other server the suite started). */
  closeClient(): void;
}

function grpcJsVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('@grpc/grpc-js/package.json') as { version: string }).version;
}

export async function startGrpcOrigin(portCount: number): Promise<GrpcOrigin> {
  const ports = await Promise.all(Array.from({ length: portCount }, freePort));
  const server = await startServerProcess({
    command: process.execPath,
    args: [SERVER_PROGRAM, ...ports.map(String)],
    readyPort: ports[ports.length - 1] as number,
  });
  const client = echoClient(ports[0] as number);
  const unaryCallsServed = () =>
    new Promise<number>((resolve, reject) => {
      client.Served({}, { deadline: Date.now() + COUNT_DEADLINE_MS }, (error, reply) =>
        error ? reject(new Error(`the gRPC origin did not say how many calls it served: ${error.message}`)) : resolve(Number(reply.calls)),
      );
    });
  return {
    description: `grpc-js ${grpcJsVersion()} (one process, one thread)`,
    ports,
    pid: server.pid,
    stop: server.stop,
    unaryCallsServed,
    closeClient: () => client.close(),
  };
}
