// DNS discovery end to end: a real authoritative server (unbound) whose zone the test rewrites, real HTTP origins on
// 127.0.0.x, and the real binary. Backends are added, removed and re-weighted under load with no failed request; a
// failing server or NXDOMAIN keeps the last good backends.
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { DnsSourceStats } from '../../../src/discovery/dns-source.js';
import { type AddressOrigins, startAddressOrigins } from '../../helpers/address-origins.js';
import { getStats, runLoad, type Stats, waitForStats } from '../../helpers/admin.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { tempConfigPath } from '../../helpers/config-file.js';
import { manyAddresses, startZoneServer, unboundMissing, type ZoneRecord, type ZoneServer } from '../../helpers/dns-zone.js';
import { runCliAsync } from '../../helpers/fulcrum-process.js';
import { type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort } from '../../helpers/origins.js';

/** What /stats shows of a DNS source (read from JSON, so its type is the source's own). */
type DnsStats = DnsSourceStats;

const MIN_TTL_MS = 250;
const WAIT_MS = 5_000;

const a = (name: string, host: string, ttl = 0): ZoneRecord => ({ name, type: 'A', ttl, value: host });
const srv = (name: string, priority: number, weight: number, port: number, target: string): ZoneRecord => ({
  name,
  type: 'SRV',
  ttl: 0,
  value: `${priority} ${weight} ${port} ${target}.`,
});

function backendsOf(stats: Stats, pool = 'default') {
  return stats.pools[pool]?.backends ?? [];
}
function addressesOf(stats: Stats, pool = 'default'): string[] {
  return backendsOf(stats, pool)
    .map((backend) => backend.address)
    .sort();
}
function dnsOf(stats: Stats, pool = 'default'): DnsStats {
  return ((stats.pools[pool] as unknown as { dns: DnsStats[] }).dns[0] ?? {}) as DnsStats;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe.skipIf(unboundMissing !== null)('backends from DNS', () => {
  const cleanup = cleanupAfterEach();
  let zone: ZoneServer;

  beforeAll(async () => {
    zone = await startZoneServer([]);
  });
  afterAll(async () => {
    await zone?.close();
  });

  async function startFulcrum(env: Record<string, string>, file?: Record<string, unknown>): Promise<{ proxy: L7Proxy; admin: number }> {
    const admin = await freePort();
    const proxy = await startL7Proxy(
      {
        FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`,
        FULCRUM_DNS_SERVERS: zone.address,
        FULCRUM_DNS_MIN_TTL: `${MIN_TTL_MS}ms`,
        FULCRUM_DRAIN_TIMEOUT: '500ms',
        ...env,
      },
      file,
    );
    cleanup.add(proxy, (running) => running.stop());
    return { proxy, admin };
  }

  async function originsAt(hosts: string[]): Promise<AddressOrigins> {
    return cleanup.add(await startAddressOrigins(hosts), (origins) => origins.close());
  }

  it('adds and removes A records in place under load, drains the removed one, and rides out NXDOMAIN and a dead server', async () => {
    const [first, second, third] = ['127.0.0.11', '127.0.0.12', '127.0.0.13'] as const;
    const origins = await originsAt([first, second, third]);
    const at = (host: string) => `${host}:${origins.port}`;
    const web = (...hosts: string[]) => hosts.map((host) => a('web.fleet.test', host));
    await zone.publish(web(first, second));
    const { proxy, admin } = await startFulcrum({ FULCRUM_BACKENDS: `dns+a://web.fleet.test:${origins.port}` });
    const started = await getStats(admin);
    expect(addressesOf(started)).toEqual([at(first), at(second)]);
    const ids = new Map(backendsOf(started).map((backend) => [backend.address, (backend as unknown as { id: string }).id]));
    // TTL 0: resolved again after the minimum.
    const dns = dnsOf(started);
    expect(dns).toMatchObject({ source: `dns+a://web.fleet.test:${origins.port}`, recordType: 'A/AAAA', ttlSeconds: 0, lastError: null });
    const nextInMs = Date.parse(dns.nextResolveAt as string) - Date.parse(dns.lastResolvedAt as string);
    expect(nextInMs).toBeGreaterThanOrEqual(MIN_TTL_MS);
    expect(nextInMs).toBeLessThan(MIN_TTL_MS + 200);

    let stopLoad = () => {};
    const load = runLoad(`${proxy.url}/`, new Promise<void>((resolve) => (stopLoad = resolve)), 20_000);
    await until(() => (origins.requests.get(second) ?? 0) > 5, 'traffic on both backends');

    // Added: the new address takes traffic; the kept ones keep their upstream connections.
    const connectionsBefore = origins.connections.get(first);
    await zone.publish(web(first, second, third));
    await until(() => (origins.requests.get(third) ?? 0) > 5, 'traffic on the added backend');
    expect(origins.connections.get(first)).toBe(connectionsBefore);

    // Removed: requests already on it finish; new ones go elsewhere.
    const slow = [1, 2, 3].map(() => send(`${proxy.url}/slow`, { agent: false }));
    await until(() => origins.slowInFlight === 3, 'three slow requests in flight');
    await zone.publish(web(first, third));
    await waitForStats(admin, (stats) => !addressesOf(stats).includes(at(second)), WAIT_MS);
    expect((await Promise.all(slow)).map((reply) => reply.status)).toEqual([200, 200, 200]);
    const secondServed = origins.requests.get(second);
    const thirdServed = origins.requests.get(third) ?? 0;
    await until(() => (origins.requests.get(third) ?? 0) > thirdServed + 10, 'more traffic after the removal');
    expect(origins.requests.get(second)).toBe(secondServed);
    const kept = backendsOf(await getStats(admin)).find((backend) => backend.address === at(first));
    expect((kept as unknown as { id: string }).id).toBe(ids.get(at(first)));

    // NXDOMAIN: the last good set stays, the failure shows.
    await zone.publish([]);
    await waitForStats(admin, (stats) => dnsOf(stats).lastError?.includes('NXDOMAIN') === true, WAIT_MS);
    await waitForStats(admin, (stats) => dnsOf(stats).failures >= 2, WAIT_MS);
    expect(addressesOf(await getStats(admin))).toEqual([at(first), at(third)]);
    await zone.publish(web(first, third));
    await waitForStats(admin, (stats) => dnsOf(stats).lastError === null, WAIT_MS);

    // The server down: the same, and traffic goes on.
    const failuresBefore = dnsOf(await getStats(admin)).failures;
    await zone.stop();
    await waitForStats(admin, (stats) => dnsOf(stats).failures >= failuresBefore + 2, WAIT_MS);
    const down = await getStats(admin);
    expect(dnsOf(down).lastError).toContain('ECONNREFUSED');
    expect(addressesOf(down)).toEqual([at(first), at(third)]);
    const servedWhileDown = origins.requests.get(first) ?? 0;
    await until(() => (origins.requests.get(first) ?? 0) > servedWhileDown + 5, 'traffic while the DNS server is down');
    await zone.start();
    await waitForStats(admin, (stats) => dnsOf(stats).lastError === null, WAIT_MS);

    stopLoad();
    const result = await load;
    expect(result.failed).toEqual([]);
    expect(result.ok).toBeGreaterThan(100);
    // One warning per outage (two outages, many failed resolutions each), and each recovery logged.
    const output = proxy.process.output();
    expect(count(output, 'DNS resolution failed')).toBe(2);
    expect(count(output, 'DNS resolution recovered')).toBe(2);
    const metrics = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
    const failures = new RegExp(`fulcrum_dns_resolution_failures_total\\{source="dns\\+a://web.fleet.test:${origins.port}"\\} (\\d+)`).exec(
      metrics,
    );
    expect(Number(failures?.[1])).toBeGreaterThanOrEqual(failuresBefore + 2);
  }, 30_000);

  it('takes ports and weights from SRV, follows weight changes under load, skips a target that does not resolve', async () => {
    const [alpha, beta, standby] = ['127.0.0.21', '127.0.0.22', '127.0.0.23'] as const;
    const origins = await originsAt([alpha, beta, standby]);
    const at = (host: string) => `${host}:${origins.port}`;
    const service = '_http._tcp.api.fleet.test';
    const zoneWith = (alphaWeight: number, betaWeight: number) => [
      a('alpha.fleet.test', alpha),
      a('beta.fleet.test', beta),
      a('standby.fleet.test', standby),
      srv(service, 0, alphaWeight, origins.port, 'alpha.fleet.test'),
      srv(service, 0, betaWeight, origins.port, 'beta.fleet.test'),
      srv(service, 0, 5, origins.port, 'gone.fleet.test'),
      srv(service, 1, 10, origins.port, 'standby.fleet.test'),
    ];
    await zone.publish(zoneWith(10, 30));
    const { proxy, admin } = await startFulcrum(
      {},
      { pools: { api: { algorithm: 'weighted-round-robin', backends: [`dns+srv://${service}`] } }, routes: [{ pool: 'api' }] },
    );
    const weights = (stats: Stats) => Object.fromEntries(backendsOf(stats, 'api').map((backend) => [backend.address, backend.weight]));
    const started = await getStats(admin);
    expect(weights(started)).toEqual({ [at(alpha)]: 10, [at(beta)]: 30 });
    expect(dnsOf(started, 'api')).toMatchObject({ recordType: 'SRV', standbyTargets: 1, lastError: null });
    expect(dnsOf(started, 'api').skippedTargets).toEqual([
      expect.stringContaining(`gone.fleet.test:${origins.port} (A gone.fleet.test: NXDOMAIN)`),
    ]);
    expect(proxy.process.output()).toContain('SRV targets that do not resolve are left out of the pool');

    const shares = async () => {
      const served = new Map<string, number>();
      for (let request = 0; request < 40; request++) {
        const reply = await send(`${proxy.url}/`);
        served.set(reply.body, (served.get(reply.body) ?? 0) + 1);
      }
      return Object.fromEntries(served);
    };
    expect(await shares()).toEqual({ [alpha]: 10, [beta]: 30 });

    let stopLoad = () => {};
    const load = runLoad(`${proxy.url}/`, new Promise<void>((resolve) => (stopLoad = resolve)), 20_000);
    await zone.publish(zoneWith(30, 10));
    await waitForStats(admin, (stats) => weights(stats)[at(alpha)] === 30, WAIT_MS);
    expect(weights(await getStats(admin))).toEqual({ [at(alpha)]: 30, [at(beta)]: 10 });
    // Priority 0's targets all gone: the next priority serves.
    await zone.publish(zoneWith(30, 10).filter((record) => !record.name.startsWith('alpha') && !record.name.startsWith('beta')));
    await waitForStats(admin, (stats) => addressesOf(stats, 'api').join() === at(standby), WAIT_MS);
    await until(() => (origins.requests.get(standby) ?? 0) > 5, 'traffic on the next priority');
    stopLoad();
    expect((await load).failed).toEqual([]);
    await zone.publish(zoneWith(30, 10));
    await waitForStats(admin, (stats) => weights(stats)[at(alpha)] === 30, WAIT_MS);
    expect(await shares()).toEqual({ [alpha]: 30, [beta]: 10 });
  }, 30_000);

  it('moves the keys of the changed members on a consistent-hash ring, and next to none of the others', async () => {
    const hosts = ['127.0.0.31', '127.0.0.32', '127.0.0.33', '127.0.0.34', '127.0.0.35'];
    const origins = await originsAt(hosts);
    const ring = (...members: string[]) => members.map((host) => a('ring.fleet.test', host));
    await zone.publish(ring(...hosts.slice(0, 4)));
    const { proxy, admin } = await startFulcrum({
      FULCRUM_BACKENDS: `dns+a://ring.fleet.test:${origins.port}`,
      FULCRUM_ALGORITHM: 'consistent-hash',
      FULCRUM_HASH_KEY: 'header:x-key',
    });
    const keys = Array.from({ length: 200 }, (_, key) => `key-${key}`);
    const placement = () => Promise.all(keys.map(async (key) => (await send(`${proxy.url}/`, { headers: { 'x-key': key } })).body));
    const before = await placement();
    await zone.publish(ring(...hosts));
    await waitForStats(admin, (stats) => backendsOf(stats).length === 5, WAIT_MS);
    const grown = await placement();
    // Maglev's disruption is near-minimal, not zero: a few percent of the other keys may change owner too.
    const movedToNew = grown.filter((host, key) => host !== before[key] && host === hosts[4]).length;
    const shuffled = grown.filter((host, key) => host !== before[key] && host !== hosts[4]).length;
    expect(movedToNew).toBeGreaterThan(20);
    expect(shuffled).toBeLessThanOrEqual(keys.length * 0.05);
    await zone.publish(ring(...hosts.slice(1)));
    await waitForStats(admin, (stats) => backendsOf(stats).length === 4, WAIT_MS);
    const shrunk = await placement();
    const survivorsMoved = shrunk.filter((host, key) => grown[key] !== hosts[0] && host !== grown[key]).length;
    expect(shrunk).not.toContain(hosts[0]);
    expect(survivorsMoved).toBeLessThanOrEqual(keys.length * 0.05);
  }, 30_000);

  it('balances over 500 A records', async () => {
    const records = manyAddresses('many.fleet.test', 500, 1);
    const origins = await originsAt(records.map((record) => record.value));
    await zone.publish(records);
    const { proxy, admin } = await startFulcrum({ FULCRUM_BACKENDS: `dns+a://many.fleet.test:${origins.port}` });
    const stats = await getStats(admin);
    expect(backendsOf(stats)).toHaveLength(500);
    // Node gives TTLs of the first 256 records only; the TTL still shows.
    expect(dnsOf(stats)).toMatchObject({ addresses: 500, ttlSeconds: 1, lastError: null });
    // Round robin: 500 requests (10 at a time) reach each address once.
    const lanes = Array.from({ length: 10 }, async () => {
      const statuses: number[] = [];
      for (let request = 0; request < 50; request++) statuses.push((await send(`${proxy.url}/`)).status);
      return statuses;
    });
    expect(new Set((await Promise.all(lanes)).flat())).toEqual(new Set([200]));
    expect(new Set([...origins.requests.values()])).toEqual(new Set([1]));
  }, 30_000);

  it('tcp mode: new connections reach an added address, IPv6 from AAAA too', async () => {
    const [first, second] = ['127.0.0.41', '::1'];
    const origins = await originsAt([first, second]);
    await zone.publish([a('tcp.fleet.test', first)]);
    const { proxy } = await startFulcrum({ FULCRUM_MODE: 'tcp', FULCRUM_BACKENDS: `dns+a://tcp.fleet.test:${origins.port}` });
    // A connection per request: an L4 connection stays with the backend it was given.
    let loading = true;
    const statuses: number[] = [];
    const load = (async () => {
      while (loading && statuses.length < 5_000) statuses.push((await send(`${proxy.url}/`, { agent: false })).status);
    })();
    await until(() => (origins.requests.get(first) ?? 0) > 5, 'traffic');
    await zone.publish([a('tcp.fleet.test', first), { name: 'tcp.fleet.test', type: 'AAAA', ttl: 0, value: second }]);
    await until(() => (origins.requests.get(second) ?? 0) > 5, 'traffic on the added address');
    loading = false;
    await load;
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  }, 30_000);

  it('udp mode: new flows reach an added address', async () => {
    const [first, second] = ['127.0.0.61', '127.0.0.62'];
    const port = await freePort();
    // UDP echo servers on one port, answering with their address.
    await Promise.all(
      [first, second].map(async (host) => {
        const socket = createSocket('udp4');
        socket.on('message', (_message, remote) => socket.send(host, remote.port, remote.address));
        await new Promise<void>((resolve) => socket.bind(port, host, resolve));
        return cleanup.add(socket, (bound) => bound.close());
      }),
    );
    const ask = async (proxyPort: number) => {
      const client = createSocket('udp4');
      try {
        const reply = new Promise<string>((resolve) => client.once('message', (message) => resolve(message.toString())));
        client.send('who', proxyPort, '127.0.0.1');
        return await Promise.race([reply, sleep(1_000).then(() => 'no reply')]);
      } finally {
        client.close();
      }
    };
    await zone.publish([a('udp.fleet.test', first)]);
    const { proxy } = await startFulcrum({ FULCRUM_MODE: 'udp', FULCRUM_BACKENDS: `dns+a://udp.fleet.test:${port}` });
    expect(await ask(proxy.port)).toBe(first);
    await zone.publish([a('udp.fleet.test', first), a('udp.fleet.test', second)]);
    const answered = new Set<string>();
    const deadline = Date.now() + WAIT_MS;
    while (!answered.has(second) && Date.now() < deadline) answered.add(await ask(proxy.port));
    expect([...answered].sort()).toEqual([first, second]);
  }, 30_000);

  it('on reload: refuses an entry that does not resolve, and keeps the running entries and their answers', async () => {
    const [first, second] = ['127.0.0.51', '127.0.0.52'];
    const origins = await originsAt([first, second]);
    const at = (host: string) => `${host}:${origins.port}`;
    await zone.publish([a('reload.fleet.test', first), a('reload.fleet.test', second)]);
    const pool = (backends: string[], algorithm = 'round-robin') => ({
      pools: { api: { algorithm, backends } },
      routes: [{ pool: 'api' }],
    });
    const source = `dns+a://reload.fleet.test:${origins.port}`;
    const file = tempConfigPath('fulcrum.yaml');
    writeFileSync(file, stringify(pool([source])));
    const { proxy, admin } = await startFulcrum({ FULCRUM_CONFIG: file });

    writeFileSync(file, stringify(pool([source, 'dns+a://missing.fleet.test:80'])));
    proxy.process.child.kill('SIGHUP');
    await expect.poll(() => proxy.process.output(), { timeout: WAIT_MS }).toContain('reload rejected');
    expect(proxy.process.output()).toContain('backend dns+a://missing.fleet.test:80 of pool \\"api\\" does not resolve');

    // With the DNS server down, a reload that keeps the entry applies: the entry keeps its last answer.
    await zone.stop();
    writeFileSync(file, stringify(pool([source], 'least-connections')));
    proxy.process.child.kill('SIGHUP');
    await waitForStats(admin, (stats) => stats.pools.api?.algorithm === 'least-connections', WAIT_MS);
    expect(addressesOf(await getStats(admin), 'api')).toEqual([at(first), at(second)]);
    await zone.start();
    await zone.publish([a('reload.fleet.test', second)]);
    await waitForStats(admin, (stats) => addressesOf(stats, 'api').join() === at(second), WAIT_MS);
    for (let request = 0; request < 5; request++) expect((await send(`${proxy.url}/`)).body).toBe(second);
  }, 30_000);

  it('refuses to start when a DNS backend does not resolve, naming it (exit 2)', async () => {
    const result = await runCliAsync([], {
      FULCRUM_LISTEN: `127.0.0.1:${await freePort()}`,
      FULCRUM_BACKENDS: 'dns+a://missing.fleet.test:80',
      FULCRUM_DNS_SERVERS: zone.address,
    });
    expect(result.status).toBe(2);
    expect(result.stderr + result.stdout).toContain(
      'backend dns+a://missing.fleet.test:80 of pool "default" does not resolve (A missing.fleet.test: NXDOMAIN)',
    );
  });
});
