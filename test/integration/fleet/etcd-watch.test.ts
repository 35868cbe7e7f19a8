// The etcd watch against a real etcd, in process: a watch that falls behind a compaction reads every key again.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdConfigSource } from '../../../src/config/etcd/etcd-source.js';
import { type EtcdServer, startEtcd } from '../../helpers/etcd-server.js';

let etcd: EtcdServer;

beforeAll(async () => {
  etcd = await startEtcd();
});

afterAll(async () => {
  await etcd?.stop();
});

function capturingLogger() {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _encoding, done) => done(void lines.push(String(chunk))) }));
  return { logger, lines };
}

async function waitFor(condition: () => boolean, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const inputs = { flags: new Map<string, string>(), env: {} };

describe('EtcdConfigSource', () => {
  it('reads every key again when the revision it would watch from was compacted away', async () => {
    await etcd.put('/compact/pools/web', 'backends: ["127.0.0.1:9001"]');
    await etcd.put('/compact/routes/010-web', 'match: { pathPrefix: / }\npool: web');
    const source = await EtcdConfigSource.open(etcd.configUrl('compact'));
    try {
      // Changes the source has not seen, then history up to them is dropped: a watch from the source's revision is refused.
      await etcd.put('/compact/pools/web', 'backends: ["127.0.0.1:9002"]');
      await etcd.put('/compact/pools/web', 'backends: ["127.0.0.1:9003"]');
      await etcd.compact();
      const { logger, lines } = capturingLogger();
      const reloaded = new Promise<string>((resolve) =>
        source.watch(async (trigger) => {
          resolve(trigger);
          return true;
        }, logger),
      );
      expect(await reloaded).toMatch(/^etcd revision \d+$/);
      expect(source.load(inputs).pools[0]?.backends).toMatchObject([{ host: '127.0.0.1', port: 9003 }]);
      expect(lines.join('')).toContain('etcd: read every key again (the history the watch needed is gone)');
      expect(source.status()).toMatchObject({ connected: true });
    } finally {
      source.stop();
    }
  });

  it('notices an etcd that stops answering without closing the watch (its probe fails), and watches again once it answers', async () => {
    await etcd.put('/silent/pools/web', 'backends: ["127.0.0.1:9001"]');
    const source = await EtcdConfigSource.open(etcd.configUrl('silent'), { intervalMs: 100, timeoutMs: 300 });
    try {
      const { logger, lines } = capturingLogger();
      source.watch(async () => true, logger);
      // Once a change arrives the watch is established: the pause then silences a live stream.
      const first = await etcd.put('/silent/pools/web', 'backends: ["127.0.0.1:9003"]');
      await waitFor(() => source.status().revision === first);
      etcd.pause();
      await waitFor(() => source.status().connected === false);
      expect(source.status().lastError).toMatch(/^etcd stopped answering/);
      etcd.resume();
      await waitFor(() => source.status().connected === true);
      const changed = await etcd.put('/silent/pools/web', 'backends: ["127.0.0.1:9002"]');
      await waitFor(() => source.status().revision === changed);
      expect(lines.join('')).toContain('etcd: watch lost');
      expect(lines.join('')).toContain('etcd: watch re-established');
    } finally {
      etcd.resume();
      source.stop();
    }
  });

  it('applies puts and deletes from the watch, and reloads once the last of them is in', async () => {
    await etcd.put('/order/pools/web', 'backends: ["127.0.0.1:9001"]');
    await etcd.put('/order/routes/010-web', 'match: { pathPrefix: / }\npool: web');
    const source = await EtcdConfigSource.open(etcd.configUrl('order'));
    try {
      const { logger } = capturingLogger();
      let deleted = Number.POSITIVE_INFINITY;
      let reachedDelete = () => {};
      const reloaded = new Promise<void>((resolve) => (reachedDelete = resolve));
      source.watch(async (trigger) => {
        if (Number(trigger.split(' ').at(-1)) >= deleted) reachedDelete();
        return true;
      }, logger);
      const added = await etcd.put('/order/routes/020-api', 'match: { pathPrefix: /api }\npool: web');
      deleted = await etcd.remove('/order/routes/020-api');
      expect(deleted).toBe(added + 1);
      await reloaded;
      // The status records the applied revision once the reload's promise settles.
      await new Promise((resolve) => setImmediate(resolve));
      expect(source.load(inputs).routes.map((route) => route.pool)).toEqual(['web']);
      expect(source.status()).toMatchObject({ revision: deleted, keys: 2, appliedRevision: deleted });
    } finally {
      source.stop();
    }
  });
});
