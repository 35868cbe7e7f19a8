import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStats } from '../../helpers/admin.js';
import { CLI, type RunningProcess, runCli, startProcess } from '../../helpers/fulcrum-process.js';
import { freePort, startOrigin, type TestOrigin } from '../../helpers/origins.js';

const TOKEN = 'a-long-enough-admin-token';
let fulcrum: RunningProcess;
let origins: TestOrigin[];
let admin: number;
let port: number;

beforeAll(async () => {
  origins = await Promise.all(['a', 'b'].map((name) => startOrigin(name)));
  [port, admin] = [await freePort(), await freePort()];
  fulcrum = await startProcess(
    CLI,
    [],
    {
      FULCRUM_BACKENDS: origins.map((origin) => origin.address).join(','),
      FULCRUM_LISTEN: `127.0.0.1:${port}`,
      FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`,
      FULCRUM_ADMIN_TOKEN: TOKEN,
      FULCRUM_WORKERS: '1',
      // A connect check: an HTTP check would add its own requests to the origins' counts this test reads.
      FULCRUM_HEALTH_CHECK: 'tcp',
    },
    'fulcrum is serving',
  );
});

afterAll(async () => {
  fulcrum.child.kill('SIGKILL');
  await Promise.all(origins.map((origin) => origin.close()));
});

function adminFetch(path: string, init: RequestInit = {}, token: string | null = TOKEN): Promise<Response> {
  return fetch(`http://127.0.0.1:${admin}${path}`, { ...init, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/** A strict reading of the Prometheus text exposition format; returns samples by metric name. Values are
 * Go ParseFloat syntax, so NaN is spelled in any case (prom-client writes "Nan" before a first sample). */
function parsePrometheus(text: string): Map<string, { labels: string; value: number }[]> {
  const samples = new Map<string, { labels: string; value: number }[]>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|[Nn][Aa][Nn]|[+-]Inf)$/.exec(line);
    if (!match) throw new Error(`not Prometheus text format: ${JSON.stringify(line)}`);
    const list = samples.get(match[1] as string) ?? [];
    list.push({ labels: match[2] ?? '', value: Number(match[3]) });
    samples.set(match[1] as string, list);
  }
  return samples;
}

describe('admin API', () => {
  it('serves /healthz without a token and refuses everything else without the right one', async () => {
    expect((await adminFetch('/healthz', {}, null)).status).toBe(200);
    expect((await adminFetch('/stats', {}, null)).status).toBe(401);
    expect((await adminFetch('/stats', {}, 'wrong-token-of-some-length')).status).toBe(401);
    expect((await adminFetch('/metrics', {}, null)).status).toBe(401);
    expect((await adminFetch('/stats')).status).toBe(200);
  });

  it('refuses to start beyond loopback without a token', () => {
    const result = runCli(['--check-config'], { FULCRUM_BACKENDS: '127.0.0.1:1', FULCRUM_ADMIN_LISTEN: '0.0.0.0:9999' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('needs FULCRUM_ADMIN_TOKEN');
  });

  it('reports per-backend state and counters in /stats', async () => {
    for (let index = 0; index < 4; index++) await (await fetch(`http://127.0.0.1:${port}/`)).text();
    const stats = await getStats(admin, TOKEN);
    expect(stats.mode).toBe('http');
    const backends = stats.pools.default!.backends;
    expect(backends.map((backend) => backend.address)).toEqual(origins.map((origin) => origin.address));
    for (const backend of backends) {
      expect(backend).toMatchObject({ state: 'up', weight: 1, activeConnections: 0 });
      expect(backend.totalPicks).toBeGreaterThanOrEqual(2);
      expect(backend.health?.admin).toBe('enabled');
    }
  });

  it('exposes Prometheus metrics a parser accepts', async () => {
    const response = await adminFetch('/metrics');
    expect(response.headers.get('content-type')).toContain('text/plain');
    const samples = parsePrometheus(await response.text());
    const picks = samples.get('fulcrum_backend_picks_total') ?? [];
    expect(picks).toHaveLength(2);
    expect(picks.every((sample) => sample.value >= 2)).toBe(true);
    expect(samples.get('fulcrum_backend_state')?.filter((sample) => sample.value === 1)).toHaveLength(2);
    expect(samples.has('fulcrum_process_resident_memory_bytes')).toBe(true);
  });

  it('disables, drains and enables a backend', async () => {
    const [a, b] = origins as [TestOrigin, TestOrigin];
    const disable = await adminFetch(`/pools/default/backends/${b.address}/disable`, { method: 'POST' });
    expect(disable.status).toBe(200);
    const before = b.requests;
    for (let index = 0; index < 6; index++) expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('a');
    expect(b.requests).toBe(before);
    expect((await adminFetch(`/pools/default/backends/${b.address}/drain`, { method: 'POST' })).status).toBe(200);
    expect((await getStats(admin, TOKEN)).pools.default!.backends[1]!.state).toBe('draining');
    expect((await adminFetch(`/pools/default/backends/${b.address}/enable`, { method: 'POST' })).status).toBe(200);
    const bodies = new Set<string>();
    for (let index = 0; index < 4; index++) bodies.add(await (await fetch(`http://127.0.0.1:${port}/`)).text());
    expect(bodies).toEqual(new Set([a.name, b.name]));
  });

  it('answers unknown pools, backends and paths with 404 and a hint', async () => {
    const noPool = await adminFetch('/pools/nope/backends/127.0.0.1:1/disable', { method: 'POST' });
    expect(noPool.status).toBe(404);
    expect(((await noPool.json()) as { error: string }).error).toContain('no pool "nope"');
    const noBackend = await adminFetch('/pools/default/backends/127.0.0.1:1/disable', { method: 'POST' });
    expect(noBackend.status).toBe(404);
    expect((await adminFetch('/nothing')).status).toBe(404);
  });
});

describe('dashboard and event stream', () => {
  it('serves the dashboard without a token, as one page that loads nothing from elsewhere', async () => {
    const response = await adminFetch('/', {}, null);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self'");
    const html = await response.text();
    // uPlot and the page's script are inline; no element names a source or stylesheet to fetch.
    expect(html).toContain('uPlot');
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/<link[^>]*rel="stylesheet"/i);
    expect(html).not.toMatch(/\/\*[A-Z_]+\*\//);
    expect((await adminFetch('/', { method: 'POST' })).status).toBe(405);
  });

  it('streams /stats as Server-Sent Events once a second, only with the token', async () => {
    expect((await adminFetch('/events', {}, null)).status).toBe(401);
    expect((await adminFetch('/events', { method: 'POST' })).status).toBe(405);
    const aborter = new AbortController();
    const response = await fetch(`http://127.0.0.1:${admin}/events`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: aborter.signal,
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    const started = Date.now();
    let text = '';
    while (text.split('\n\n').length < 3) text += (await reader.read()).value ?? '';
    aborter.abort();
    // Two frames: the first at once, the second about a second later.
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    const frame = JSON.parse((text.split('\n\n')[1] as string).replace(/^data: /, '')) as Record<string, unknown> & {
      process: { pid: number; rssBytes: number; listeners: string[] };
      latencyBucketsMs: (number | null)[];
    };
    expect(Object.keys(frame.pools as object)).toEqual(['default']);
    expect(frame.process.pid).toBe(fulcrum.child.pid);
    expect(frame.process.rssBytes).toBeGreaterThan(1 << 20);
    expect(frame.process.listeners[0]).toContain(`127.0.0.1:${port}`);
    expect(frame.latencyBucketsMs.at(-1)).toBeNull();
  });
});

describe('request observability', () => {
  it('reports per-backend latency percentiles in /stats', async () => {
    for (let index = 0; index < 10; index++) await (await fetch(`http://127.0.0.1:${port}/`)).text();
    type Latency = { count: number; p50: number; p99: number; buckets: number[] };
    const readLatency = async (): Promise<Latency | null> =>
      ((await getStats(admin, TOKEN)).pools.default!.backends[0] as unknown as { latencyMs: Latency | null }).latencyMs;
    const deadline = Date.now() + 3_000;
    let latency = await readLatency();
    while ((latency?.count ?? 0) < 5 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      latency = await readLatency();
    }
    expect(latency?.count).toBeGreaterThanOrEqual(5);
    expect(latency?.p50).toBeGreaterThan(0);
    expect(latency?.p99).toBeGreaterThanOrEqual(latency?.p50 ?? Infinity);
    // The histogram behind the percentiles, for readers (the dashboard) that want them over a window.
    expect(latency?.buckets.reduce((sum, count) => sum + count, 0)).toBe(latency?.count);
  });
});
