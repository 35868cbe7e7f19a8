// EMFILE for real: the proxy runs in a child process whose RLIMIT_NOFILE is lowered with prlimit, and
// more clients connect than it has descriptors for. They must wait in the backlog, not be reset.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { TcpProxyStats } from '../../../src/l4/index.js';
import { connectTo, eventually, readLine } from '../../helpers/l4-client.js';
import { startEchoBackend, type TestBackend } from '../../helpers/l4-servers.js';

const proxyScript = fileURLToPath(new URL('./descriptor-limited-proxy.mjs', import.meta.url));
const hasPrlimit = spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0;

interface Reply {
  port?: number;
  stats?: TcpProxyStats;
  events?: string[];
  closed?: boolean;
}

/** The child proxy and a line-at-a-time conversation with it over stdin/stdout. */
class LimitedProxy {
  private readonly replies: Reply[] = [];
  private wake: (() => void) | undefined;

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.replies.push(JSON.parse(line) as Reply);
      this.wake?.();
    });
  }

  static async start(descriptorLimit: number, backend: string): Promise<LimitedProxy & { port: number }> {
    const child = spawn('prlimit', [`--nofile=${descriptorLimit}:${descriptorLimit}`, process.execPath, proxyScript, backend, '1000'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const proxy = new LimitedProxy(child);
    const { port } = await proxy.next();
    return Object.assign(proxy, { port: port! });
  }

  async next(): Promise<Reply> {
    const deadline = Date.now() + 10_000;
    while (this.replies.length === 0) {
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error('the limited proxy stopped answering');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 100);
      });
    }
    return this.replies.shift()!;
  }

  async stats(): Promise<{ stats: TcpProxyStats; events: string[] }> {
    this.child.stdin!.write('stats\n');
    const { stats, events } = await this.next();
    return { stats: stats!, events: events! };
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.stdin!.write('close\n');
    await exited;
  }
}

interface Client {
  socket: Socket;
  reply: string | undefined;
  failure: string | undefined;
}

/** Connects and sends one line; the echo, a reset or an early end is recorded as it happens. */
async function openClient(port: number, index: number): Promise<Client> {
  const socket = await connectTo(port);
  const client: Client = { socket, reply: undefined, failure: undefined };
  readLine(socket, 60_000).then(
    (line) => (client.reply = line || 'ended without a reply'),
    (error: NodeJS.ErrnoException) => (client.failure = error.code ?? error.message),
  );
  socket.write(`client ${index}\n`);
  return client;
}

describe.skipIf(!hasPrlimit)('l4 under a descriptor limit', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  // Node itself holds a varying number of descriptors, so whether the last free one is met by accept()
  // or by the backend socket() depends on parity; two limits one apart exercise both paths.
  it('keeps excess clients queued through EMFILE, reports it, and serves them once others close', { timeout: 60_000 }, async () => {
    const echo: TestBackend = await startEchoBackend();
    cleanups.push(() => echo.close());
    let reserveUses = 0;
    for (const descriptorLimit of [64, 65]) {
      const proxy = await LimitedProxy.start(descriptorLimit, echo.address);
      cleanups.push(() => proxy.close());
      const total = 60;
      const clients: Client[] = [];
      for (let index = 0; index < total; index += 1) clients.push(await openClient(proxy.port, index));
      cleanups.push(() => {
        for (const client of clients) client.socket.destroy();
      });

      // The proxy fills its descriptors, then stops accepting; the rest stay queued in the kernel. The
      // warning reaches JS with the next once-a-second poll of the native event log.
      const shortageReported = async () => {
        const { events } = await proxy.stats();
        return events.some((message) => /Too many open files|out of descriptors/.test(message));
      };
      const deadline = Date.now() + 10_000;
      while (!(await shortageReported()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      const { stats, events } = await proxy.stats();
      const served = clients.filter((client) => client.reply !== undefined);
      expect(served.length).toBeGreaterThan(0);
      expect(served.length).toBeLessThan(total);
      expect(stats.accepted).toBe(served.length);
      expect(stats.socketErrors).toBe(0);
      expect(stats.acceptErrors + stats.descriptorReserveUses).toBeGreaterThan(0);
      expect(events.some((message) => /Too many open files|out of descriptors/.test(message))).toBe(true);
      expect(clients.filter((client) => client.failure !== undefined)).toEqual([]);
      reserveUses += stats.descriptorReserveUses;

      // Closing the served clients frees descriptors; the queued ones are then served, wave after wave.
      const closed = new Set<Client>();
      while (closed.size < total) {
        const ready = clients.filter((client) => client.reply !== undefined && !closed.has(client));
        for (const client of ready) {
          client.socket.destroy();
          closed.add(client);
        }
        const waiting = clients.filter((client) => client.reply === undefined);
        if (waiting.length === 0) break;
        const progressed = await eventually(() => waiting.some((client) => client.reply !== undefined), 5_000);
        expect(progressed, `${waiting.length} clients still waiting`).toBe(true);
      }
      expect(clients.map((client) => client.reply)).toEqual(clients.map((_, index) => `client ${index}`));
      expect(clients.filter((client) => client.failure !== undefined)).toEqual([]);

      const after = await openClient(proxy.port, total);
      cleanups.push(() => {
        after.socket.destroy();
      });
      expect(await eventually(() => after.reply !== undefined, 5_000)).toBe(true);
      expect(after.reply).toBe(`client ${total}`);
      expect(proxy.child.exitCode).toBeNull();
      const final = await proxy.stats();
      expect(final.stats.accepted).toBe(total + 1);
      expect(final.stats.socketErrors).toBe(0);
      await proxy.close();
    }
    // One of the two parities makes a client take the last descriptor; the reserve must have covered it.
    expect(reserveUses).toBeGreaterThan(0);
  });
});
