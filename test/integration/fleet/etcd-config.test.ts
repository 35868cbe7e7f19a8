// Shared configuration through a real etcd: three Fulcrum instances watch one prefix; a change reaches each,
// a bad key is refused with a log line naming it, and an etcd outage (or restart) loses no later change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EtcdServer, startEtcd } from '../../helpers/etcd-server.js';
import { runCliAsync } from '../../helpers/fulcrum-process.js';
import { type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort, startOrigin, type TestOrigin } from '../../helpers/origins.js';

const PREFIX = 'fleet';
const PROPAGATION_LIMIT_MS = 2_000;
const RECONNECT_LIMIT_MS = 15_000;

interface Instance {
  proxy: L7Proxy;
  adminPort: number;
}

let etcd: EtcdServer;
let origins: TestOrigin[];
let instances: Instance[];

/** Polls each instance until `path` is answered by origin `name`; returns how long the slowest took. */
async function waitUntilServed(path: string, name: string, limitMs: number): Promise<number> {
  const started = Date.now();
  await Promise.all(
    instances.map(async ({ proxy }) => {
      for (;;) {
        const reply = await send(`${proxy.url}${path}`);
        if (reply.status === 200 && reply.body === name) return;
        if (Date.now() - started > limitMs) throw new Error(`${proxy.url}${path} still answers ${reply.status} ${reply.body}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }),
  );
  return Date.now() - started;
}

async function configStatus(instance: Instance): Promise<Record<string, unknown>> {
  const stats = (await (await fetch(`http://127.0.0.1:${instance.adminPort}/stats`)).json()) as { config: Record<string, unknown> };
  return stats.config;
}

async function waitForConnected(connected: boolean): Promise<void> {
  const deadline = Date.now() + RECONNECT_LIMIT_MS;
  for (const instance of instances) {
    while ((await configStatus(instance)).connected !== connected) {
      if (Date.now() > deadline) throw new Error(`an instance never reported connected=${connected}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const route = (path: string, pool: string) => `match: { pathPrefix: ${path} }\npool: ${pool}\n`;

beforeAll(async () => {
  etcd = await startEtcd();
  origins = await Promise.all(['a', 'b', 'c', 'd'].map((name) => startOrigin(name)));
  for (const origin of origins) await etcd.put(`/${PREFIX}/pools/${origin.name}`, `backends: ["${origin.address}"]\n`);
  await etcd.put(`/${PREFIX}/routes/010-a`, route('/a', 'a'));
  instances = await Promise.all(
    [0, 1, 2].map(async () => {
      const adminPort = await freePort();
      const proxy = await startL7Proxy({ FULCRUM_CONFIG: etcd.configUrl(PREFIX), FULCRUM_ADMIN_LISTEN: `127.0.0.1:${adminPort}` });
      return { proxy, adminPort };
    }),
  );
});

afterAll(async () => {
  await Promise.all((instances ?? []).map(({ proxy }) => proxy.stop()));
  await Promise.all((origins ?? []).map((origin) => origin.close()));
  await etcd?.stop();
});

describe('FULCRUM_CONFIG=etcd://', () => {
  it('serves the routes under the prefix, and a new route reaches all three instances within 2 s', async () => {
    for (const { proxy } of instances) expect((await send(`${proxy.url}/a`)).body).toBe('a');
    await etcd.put(`/${PREFIX}/routes/020-b`, route('/b', 'b'));
    const took = await waitUntilServed('/b', 'b', PROPAGATION_LIMIT_MS);
    expect(took).toBeLessThan(PROPAGATION_LIMIT_MS);
    const status = await configStatus(instances[0] as Instance);
    expect(status).toMatchObject({ source: 'etcd', connected: true, rejectedRevision: null });
    expect(status.appliedRevision).toBe(status.revision);
  });

  it('refuses invalid YAML and an invalid route naming the key, and the last good configuration keeps serving', async () => {
    const badYaml = await etcd.put(`/${PREFIX}/routes/030-broken`, 'match: { pathPrefix: /c\npool: c\n');
    await waitForLog(`etcd key /${PREFIX}/routes/030-broken is not valid YAML`);
    for (const instance of instances) {
      expect((await send(`${instance.proxy.url}/b`)).body).toBe('b');
      expect(await configStatus(instance)).toMatchObject({ rejectedRevision: badYaml });
    }
    await etcd.put(`/${PREFIX}/routes/030-broken`, route('/c', 'no-such-pool'));
    // The log is JSON, so the quotes around the value arrive escaped.
    await waitForLog(
      `routes[2] (key /${PREFIX}/routes/030-broken).pool=\\"no-such-pool\\" is invalid: expected the name of a configured pool`,
    );
    await etcd.put(`/${PREFIX}/routes/030-broken`, route('/c', 'c'));
    await waitUntilServed('/c', 'c', PROPAGATION_LIMIT_MS);
    for (const { proxy } of instances) expect((await send(`${proxy.url}/a`)).body).toBe('a');
  });

  it('keeps serving while etcd is down, and a change after etcd restarts still arrives (the watch is re-established)', async () => {
    await etcd.kill();
    await waitForConnected(false);
    for (const { proxy } of instances) expect((await send(`${proxy.url}/c`)).body).toBe('c');
    const metrics = await (await fetch(`http://127.0.0.1:${(instances[0] as Instance).adminPort}/metrics`)).text();
    expect(metrics).toMatch(/fulcrum_etcd_connected\{url="etcd:\/\/[^"]+"\} 0/);
    await etcd.start();
    await waitForConnected(true);
    await etcd.put(`/${PREFIX}/routes/040-d`, route('/d', 'd'));
    await waitUntilServed('/d', 'd', PROPAGATION_LIMIT_MS);
  });
});

async function waitForLog(text: string): Promise<void> {
  const deadline = Date.now() + PROPAGATION_LIMIT_MS * 2;
  for (const { proxy } of instances) {
    while (!proxy.process.output().includes(text)) {
      if (Date.now() > deadline) throw new Error(`no log line with ${JSON.stringify(text)}:\n${proxy.process.output().slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

describe('FULCRUM_CONFIG=etcd:// at start', () => {
  it('exits 2 with a clear message when etcd cannot be read (there is no last good configuration)', async () => {
    const port = await freePort();
    const result = await runCliAsync([], { FULCRUM_CONFIG: `etcd://127.0.0.1:${port}/fleet`, FULCRUM_ADMIN_LISTEN: 'off' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`etcd at http://127.0.0.1:${port} cannot be read (ECONNREFUSED)`);
  });

  it('exits 2 naming the problem for a URL without a prefix', async () => {
    const result = await runCliAsync([], { FULCRUM_CONFIG: 'etcd://127.0.0.1:2379' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('the key prefix is missing');
  });
});
