// A native UDP listener in its own process, for a test that lowers its descriptor limit (prlimit) to
// provoke EMFILE on flow sockets. argv: backend address, idleTimeoutMs. Speaks JSON lines: prints
// {port} once bound, answers "stats" on stdin with {stats, events}, and drains on "close".
import { createInterface } from 'node:readline';
import { createPool } from '../../../dist/balance/index.js';
import { native } from '../../../dist/native/load.js';

const [backend, idleTimeoutMs] = process.argv.slice(2);
createPool({ name: 'limited', algorithm: 'round-robin', backends: [{ address: backend }] });
const listener = new native.l4.UdpListener({
  host: '127.0.0.1',
  port: 0,
  poolName: 'limited',
  workers: 1,
  idleTimeoutMs: Number(idleTimeoutMs),
  maxFlows: 100_000,
  responses: 0,
  perPacket: false,
});
const events = [];
const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
print({ port: listener.port });

const commands = createInterface({ input: process.stdin });
commands.on('line', async (line) => {
  events.push(...listener.takeEvents());
  if (line === 'stats') print({ stats: listener.stats(), events });
  if (line === 'close') {
    commands.close();
    await listener.drain(0);
    print({ closed: true });
    process.stdin.destroy();
  }
});
