// A TCP proxy in its own process, for tests that lower its descriptor limit (prlimit) to provoke EMFILE.
// argv: backend address, maxConnections. Speaks JSON lines: prints {port} once listening, answers
// "stats" on stdin with {stats, events}, and drains on "close" or stdin's end.
import { createInterface } from 'node:readline';
import { createPool } from '../../../dist/balance/index.js';
import { startTcpProxy } from '../../../dist/l4/index.js';

const [backend, maxConnections] = process.argv.slice(2);
createPool({ name: 'limited', algorithm: 'round-robin', backends: [{ address: backend }] });
const events = [];
const proxy = await startTcpProxy({
  listen: { host: '127.0.0.1', port: 0 },
  poolName: 'limited',
  workers: 1,
  maxConnections: Number(maxConnections),
  onEvent: (message) => events.push(message),
});
const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
print({ port: proxy.port });

// stdin and stdout are open before the limit bites, so the test can always reach this process.
const commands = createInterface({ input: process.stdin });
const close = async () => {
  commands.close();
  await proxy.close();
  print({ closed: true, events });
  process.stdin.destroy();
};
commands.on('line', (line) => {
  if (line === 'stats') print({ stats: proxy.stats(), events });
  if (line === 'close') void close();
});
