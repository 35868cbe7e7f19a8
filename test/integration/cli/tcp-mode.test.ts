import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getStats } from '../../helpers/admin.js';
import { CLI, startProcess } from '../../helpers/fulcrum-process.js';
import { freePort } from '../../helpers/origins.js';

let servers: Server[] = [];

/** A TCP backend that answers each connection with its name, then echoes. */
function startNamedEcho(name: string): Promise<Server> {
  const server = createServer((socket) => {
    socket.write(`${name}\n`);
    socket.pipe(socket);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function exchange(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(message));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  servers = await Promise.all(['one', 'two'].map(startNamedEcho));
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

it('FULCRUM_MODE=tcp proxies connections round robin through the native engine and stops on SIGTERM', async () => {
  const [port, admin] = [await freePort(), await freePort()];
  const addresses = servers.map((server) => `127.0.0.1:${(server.address() as { port: number }).port}`);
  const fulcrum = await startProcess(
    CLI,
    [],
    {
      FULCRUM_MODE: 'tcp',
      FULCRUM_BACKENDS: addresses.join(','),
      FULCRUM_LISTEN: `127.0.0.1:${port}`,
      FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`,
      FULCRUM_WORKERS: '2',
      FULCRUM_PIPE_SIZE: '256kb',
    },
    'fulcrum is serving',
  );
  const replies = [];
  for (let index = 0; index < 4; index++) replies.push(await exchange(port, `hello ${index}`));
  expect(replies.map((reply) => reply.split('\n')[0]).sort()).toEqual(['one', 'one', 'two', 'two']);
  expect(replies[0]?.endsWith('hello 0')).toBe(true);
  const stats = await getStats(admin);
  expect(stats.mode).toBe('tcp');
  expect(stats.pools.default?.backends.map((backend) => backend.totalPicks)).toEqual([2, 2]);
  fulcrum.child.kill('SIGTERM');
  expect(await fulcrum.exited).toBe(0);
});
