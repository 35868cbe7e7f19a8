// EMFILE for real on the UDP engine: the listener runs in a child process whose RLIMIT_NOFILE is
// lowered with prlimit, and more clients arrive than it has descriptors for flow sockets.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { NativeUdpStats } from '../../../src/native/addon-types.js';
import { startUdpEcho, type UdpClient, udpClient } from '../../helpers/udp-echo.js';

const listenerScript = fileURLToPath(new URL('./udp-descriptor-limited.mjs', import.meta.url));
const hasPrlimit = spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0;

interface Reply {
  port?: number;
  stats?: NativeUdpStats;
  events?: string[];
}

/** The child listener and a line-at-a-time conversation with it over stdin/stdout. */
async function startLimited(descriptorLimit: number, backend: string, idleTimeoutMs: number) {
  const child: ChildProcess = spawn(
    'prlimit',
    [`--nofile=${descriptorLimit}:${descriptorLimit}`, process.execPath, listenerScript, backend, String(idleTimeoutMs)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<Reply> => {
    const line = await lines.next();
    if (line.done) throw new Error('the limited UDP listener stopped answering');
    return JSON.parse(line.value) as Reply;
  };
  const { port } = await next();
  return {
    port: port!,
    async stats(): Promise<{ stats: NativeUdpStats; events: string[] }> {
      child.stdin!.write('stats\n');
      const { stats, events } = await next();
      return { stats: stats!, events: events! };
    },
    async close(): Promise<void> {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.stdin!.write('close\n');
      await exited;
    },
  };
}

describe.skipIf(!hasPrlimit)('native UDP engine out of descriptors', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('drops and counts new clients it has no socket for, warns once, and serves again once flows close', async () => {
    const backend = await startUdpEcho('A');
    cleanups.push(() => backend.close());
    const limited = await startLimited(64, backend.address, 2_000);
    cleanups.push(() => limited.close());
    const clients: UdpClient[] = [];
    for (let index = 0; index < 80; index += 1) clients.push(await udpClient(limited.port));
    cleanups.push(() => Promise.all(clients.map((client) => client.close())));

    const first = await Promise.all(clients.map((client, index) => client.ask(`hello${index}`, 1_000)));
    const served = first.filter((reply) => reply !== null).length;
    const { stats, events } = await limited.stats();
    expect(served).toBeGreaterThan(0);
    expect(served).toBeLessThan(80);
    expect(stats).toMatchObject({ flowsActive: served, socketErrors: 80 - served });
    expect(events.filter((event) => event.includes('cannot open a UDP socket'))).toHaveLength(1);

    // The flows idle out, their descriptors come back, and the clients that were dropped are served.
    let flowsActive = served;
    const deadline = Date.now() + 5_000;
    while (flowsActive > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      flowsActive = (await limited.stats()).stats.flowsActive;
    }
    expect(flowsActive).toBe(0);
    const dropped = clients.filter((_, index) => first[index] === null).slice(0, served);
    const again = await Promise.all(dropped.map((client) => client.ask('again', 1_000)));
    expect(again.every((reply) => reply?.toString() === 'A:again')).toBe(true);
  }, 20_000);
});
