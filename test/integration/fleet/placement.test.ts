// Placement that agrees across instances: three Fulcrum processes given the same members in different orders
// (one of them learning a member only on reload) send each of 10,000 keys to the same backend.
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempConfigPath, writeConfig } from '../../helpers/config-file.js';
import { type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';

const KEY_COUNT = 10_000;
const CONCURRENCY = 16;
const WEIGHTS = [1, 2, 1, 3, 1];

let origins: TestOrigin[];
const proxies: L7Proxy[] = [];

/** The backend (origin name) each key lands on through one instance, keys hashed from the x-key header. */
async function placement(proxy: L7Proxy): Promise<string[]> {
  const owners = new Array<string>(KEY_COUNT);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  const worker = async () => {
    while (next < KEY_COUNT) {
      const key = next++;
      const reply = await send(`${proxy.url}/`, { headers: { 'x-key': `user-${key}` }, agent });
      if (reply.status !== 200) throw new Error(`key ${key}: ${reply.status} ${reply.body}`);
      owners[key] = reply.body;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker)).finally(() => agent.destroy());
  return owners;
}

const member = (origin: TestOrigin, position: number) => `${origin.address}*${WEIGHTS[position]}`;

beforeAll(async () => {
  // Idle upstream connections outlive the test: with node's 5 s default, a pooled connection can meet the
  // origin's close, and the retry after that reset goes to another backend (pick avoids the one that failed),
  // which moves that one key. That is retry behaviour, not placement; 2 in 30,000 keys moved so in CI.
  origins = await Promise.all(WEIGHTS.map((_, position) => startOrigin(`origin-${position}`, undefined, { keepAliveTimeoutMs: 120_000 })));
  const listed = origins.map(member);
  const hashing = { FULCRUM_ALGORITHM: 'consistent-hash', FULCRUM_HASH_KEY: 'header:x-key' };
  // Config order, reversed, and a rotation that first lacks one member and gains it on reload (a later slot in the table).
  proxies.push(await startL7Proxy({ ...hashing, FULCRUM_BACKENDS: listed.join(',') }));
  proxies.push(await startL7Proxy({ ...hashing, FULCRUM_BACKENDS: [...listed].reverse().join(',') }));
  const rotated = [...listed.slice(2), ...listed.slice(0, 2)];
  const file = tempConfigPath('fulcrum.yaml');
  writeConfig(file, [`backends: ${JSON.stringify(rotated.slice(1))}`]);
  const late = await startL7Proxy({ ...hashing, FULCRUM_CONFIG: file });
  writeConfig(file, [`backends: ${JSON.stringify([...rotated.slice(1), rotated[0]])}`]);
  late.process.child.kill('SIGHUP');
  await waitForOutput(late, '"configuration reloaded"');
  proxies.push(late);
});

afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.stop()));
  await Promise.all((origins ?? []).map((origin) => origin.close()));
});

describe('consistent-hash (maglev) across instances', () => {
  it('sends each of 10,000 keys to the same backend through every instance', async () => {
    const [first, ...others] = await Promise.all(proxies.map(placement));
    // Every member takes keys, so agreement is not an accident of one backend taking all.
    expect(new Set(first)).toEqual(new Set(origins.map((origin) => origin.name)));
    for (const other of others) {
      const disagreements = (first as string[]).filter((owner, key) => other[key] !== owner).length;
      expect(disagreements).toBe(0);
    }
    // 30,000 proxied requests: a few seconds on a quiet machine, much longer on a shared one.
  }, 120_000);
});

async function waitForOutput(proxy: L7Proxy, text: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!proxy.process.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`no ${text} in:\n${proxy.process.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
