// Through the real binary: a pool checked with kind: grpc takes a backend whose Health service says
// NOT_SERVING out of traffic, and brings it back once it says SERVING again; an h2 pool's check speaks TLS
// with the pool's CA and server name.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type BackendStats, getStats, type Stats, waitForStats } from '../../helpers/admin.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { type GrpcCheckedOrigin, startGrpcCheckedOrigin, startGrpcHealthServer } from '../../helpers/grpc-health-server.js';
import { send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort } from '../../helpers/origins.js';
import { makeCertificate } from '../../helpers/tls-files.js';

const cleanup = cleanupAfterEach();

function backend(stats: Stats, origin: GrpcCheckedOrigin): BackendStats {
  const found = stats.pools.api?.backends.find((candidate) => candidate.address === origin.address);
  if (!found) throw new Error(`${origin.address} is not in /stats`);
  return found;
}

describe('gRPC health check (FULCRUM_PROTOCOLS=all)', () => {
  it('takes a NOT_SERVING backend out, and brings it back when SERVING', async () => {
    const [a, b] = await Promise.all(['origin-a', 'origin-b'].map((name) => startGrpcCheckedOrigin(name)));
    for (const origin of [a!, b!]) cleanup.add(origin, (started) => started.stop());
    const admin = await freePort();
    const proxy = cleanup.add(
      await startL7Proxy(
        { FULCRUM_PROTOCOLS: 'all', FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`, FULCRUM_OUTLIER_FAILURES: '0' },
        {
          pools: {
            api: {
              backends: [a!.address, b!.address],
              healthCheck: { kind: 'grpc', service: '', interval: '200ms', timeout: '500ms', rise: 2, fall: 2 },
            },
          },
          routes: [{ match: { pathPrefix: '/' }, pool: 'api' }],
        },
      ),
      (started) => started.stop(),
    );
    // Both pass their gRPC checks first: each has a SERVING check in its history.
    await waitForStats(
      admin,
      (stats) =>
        [a!, b!].every((origin) =>
          backend(stats, origin).health?.checks.some((check) => check.ok && check.detail === 'grpc status SERVING'),
        ),
      5_000,
    );

    b!.health.setStatus('', 'NOT_SERVING');
    await waitForStats(admin, (stats) => backend(stats, b!).state === 'down', 5_000);
    expect(backend(await getStats(admin), b!).health?.checks.at(-1)).toMatchObject({ ok: false, detail: 'grpc status NOT_SERVING' });
    const whileDown = await Promise.all(Array.from({ length: 6 }, () => send(`${proxy.url}/`)));
    expect(whileDown.map((reply) => reply.body)).toEqual(Array(6).fill('origin-a'));

    b!.health.setStatus('', 'SERVING');
    await waitForStats(admin, (stats) => backend(stats, b!).state === 'up', 5_000);
    const whileUp = await Promise.all(Array.from({ length: 6 }, () => send(`${proxy.url}/`)));
    expect(new Set(whileUp.map((reply) => reply.body))).toEqual(new Set(['origin-a', 'origin-b']));
  });

  it('checks an h2 pool over TLS with its CA and server name', async () => {
    const pair = makeCertificate('grpc.internal');
    const server = cleanup.add(await startGrpcHealthServer({ cert: readFileSync(pair.cert), key: readFileSync(pair.key) }), (started) =>
      started.stop(),
    );
    const admin = await freePort();
    const check = { kind: 'grpc', interval: '200ms', timeout: '500ms', rise: 1, fall: 1 };
    cleanup.add(
      await startL7Proxy(
        { FULCRUM_PROTOCOLS: 'all', FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`, FULCRUM_OUTLIER_FAILURES: '0' },
        {
          pools: {
            api: { protocol: 'h2', tls: { ca: pair.cert, serverName: 'grpc.internal' }, backends: [server.address], healthCheck: check },
            untrusting: { protocol: 'h2', backends: [server.address], healthCheck: check },
          },
          routes: [{ match: { pathPrefix: '/' }, pool: 'api' }],
        },
      ),
      (started) => started.stop(),
    );
    const lastCheck = (stats: Stats, pool: string) => stats.pools[pool]?.backends[0]?.health?.checks.at(-1);
    await waitForStats(admin, (stats) => lastCheck(stats, 'api')?.detail === 'grpc status SERVING', 5_000);
    // The system trust store does not know the test CA: the pool without one fails its check on the certificate.
    await waitForStats(admin, (stats) => lastCheck(stats, 'untrusting')?.detail === 'DEPTH_ZERO_SELF_SIGNED_CERT', 5_000);
    server.setStatus('', 'NOT_SERVING');
    await waitForStats(admin, (stats) => stats.pools.api?.backends[0]?.state === 'down', 5_000);
  });
});
