// A real etcd (Debian's etcd-server) on loopback for tests: random free ports, data in a temp dir, and a
// small v3 JSON-gateway client to put and delete keys. stop() and start() again keep the data (a restart).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './origins.js';

const ETCD = '/usr/bin/etcd';
const START_TIMEOUT_MS = 10_000;

export interface EtcdServer {
  /** http://127.0.0.1:PORT, the client (and gateway) address. */
  endpoint: string;
  /** FULCRUM_CONFIG for this server and `prefix`, e.g. etcd://127.0.0.1:PORT/fulcrum. */
  configUrl(prefix: string): string;
  /** Writes a key; resolves with the store's revision after it. */
  put(key: string, value: string): Promise<number>;
  /** Deletes a key; resolves with the store's revision after it. */
  remove(key: string): Promise<number>;
  /** Compacts history up to the current revision, so a watch from an older one is refused. */
  compact(): Promise<void>;
  /** SIGKILL: the harshest outage; the data dir stays for start(). */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: etcd keeps its connections open but answers nothing, as behind a network cut. */
  pause(): void;
  resume(): void;
  /** Starts it again on the same ports and data. */
  start(): Promise<void>;
  /** Stops it for good and removes the data. */
  stop(): Promise<void>;
}

const base64 = (text: string) => Buffer.from(text).toString('base64');

export async function startEtcd(): Promise<EtcdServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fulcrum-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const call = async (path: string, body: unknown): Promise<{ header?: { revision?: string } }> => {
    const response = await fetch(`${endpoint}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`etcd ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as { header?: { revision?: string } };
  };

  const launch = async () => {
    // biome-ignore format: flag and value pairs.
    const args = [
      '--name', 'test', '--data-dir', join(dataDir, 'data'),
      '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `test=${peer}`,
    ];
    output = '';
    const started = spawn(ETCD, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exited = new Promise((resolve) => started.once('exit', () => resolve()));
    const deadline = Date.now() + START_TIMEOUT_MS;
    // Ready once it answers a read; a health endpoint would not say the gateway is up.
    while (Date.now() < deadline) {
      if (started.exitCode !== null) throw new Error(`etcd exited with ${started.exitCode}:\n${output}`);
      try {
        await call('/v3/kv/range', { key: base64('ready') });
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    started.kill('SIGKILL');
    throw new Error(`etcd did not answer within ${START_TIMEOUT_MS} ms:\n${output}`);
  };

  const kill = async () => {
    child?.kill('SIGCONT');
    child?.kill('SIGKILL');
    await exited;
    child = null;
  };

  await launch();
  return {
    endpoint,
    configUrl: (prefix) => `etcd://127.0.0.1:${clientPort}/${prefix}`,
    put: async (key, value) => Number((await call('/v3/kv/put', { key: base64(key), value: base64(value) })).header?.revision),
    remove: async (key) => Number((await call('/v3/kv/deleterange', { key: base64(key) })).header?.revision),
    compact: async () => {
      const { header } = await call('/v3/kv/range', { key: base64('any') });
      await call('/v3/kv/compaction', { revision: header?.revision, physical: true });
    },
    kill,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    start: launch,
    async stop() {
      await kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
