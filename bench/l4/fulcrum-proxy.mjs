// Runs Fulcrum's TCP proxy as its own process for the L4 bench: one pool and one listener per
// "listenPort=backendAddress" argument, FULCRUM_BENCH_WORKERS threads each; prints "ready" when listening.
import { createPool } from '../../dist/balance/index.js';
import { startTcpProxy } from '../../dist/l4/index.js';

const workers = Number(process.env.FULCRUM_BENCH_WORKERS ?? 1);
const maxConnections = Number(process.env.FULCRUM_BENCH_MAX_CONNECTIONS ?? 0);
const pipeSize = Number(process.env.FULCRUM_PIPE_SIZE ?? 0);
const proxies = [];
for (const [index, mapping] of process.argv.slice(2).entries()) {
  const [listenPort, backend] = mapping.split('=');
  const poolName = `bench-${index}`;
  createPool({ name: poolName, algorithm: 'round-robin', backends: [{ address: backend }] });
  proxies.push(
    await startTcpProxy({
      listen: { host: '127.0.0.1', port: Number(listenPort) },
      poolName,
      workers,
      maxConnections,
      pipeSize,
      backlog: 4096,
    }),
  );
}
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  process.exit(0);
});
