// The complete front (FULCRUM_PROTOCOLS=all) on cleartext, with clients nobody here wrote: curl over
// HTTP/1.0 and h2c, ab (HTTP/1.0), h2load (pipelined HTTP/1.1 and h2c), node's fetch, and raw bytes for
// pipelining, absolute-form targets and OPTIONS *. The default front is checked to still refuse h2c and 1.0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoedRequestsIn, startEchoOrigin } from '../../helpers/echo-origin.js';
import { type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';
import { rawExchange, runProgram } from '../../helpers/real-clients.js';

const PROTOCOLS = 'all';
/** Every load below is this many requests, each run bounded by LOAD_TIMEOUT_MS. */
const LOAD_REQUESTS = 2000;
const LOAD_TIMEOUT_MS = 25_000;

/** curl's body, then the HTTP version it spoke on the last line (from -w). */
async function curl(args: string[]): Promise<{ exitCode: number; body: string; httpVersion: string; verbose: string }> {
  const result = await runProgram('curl', ['-sS', '-v', '--max-time', '5', '-w', '\n%{http_version}', ...args]);
  const cut = result.stdout.lastIndexOf('\n');
  return {
    exitCode: result.exitCode,
    body: result.stdout.slice(0, cut),
    httpVersion: result.stdout.slice(cut + 1),
    verbose: result.stderr,
  };
}

/** h2load's "requests: ..." line as numbers. */
function h2loadCounts(output: string): { total: number; done: number; succeeded: number; failed: number; errored: number } {
  const match = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(output);
  if (!match) throw new Error(`no "requests:" line in h2load's output:\n${output}`);
  const [total, done, succeeded, failed, errored] = match.slice(1).map(Number) as [number, number, number, number, number];
  return { total, done, succeeded, failed, errored };
}

describe('the complete front on cleartext, with real clients', () => {
  let echo: TestOrigin;
  let proxy: L7Proxy;

  beforeAll(async () => {
    echo = await startEchoOrigin();
    proxy = await startL7Proxy({ FULCRUM_BACKENDS: echo.address, FULCRUM_PROTOCOLS: PROTOCOLS });
  });
  afterAll(async () => {
    await proxy?.stop();
    await echo?.close();
  });

  it('curl --http1.0 gets the origin answer, with the forwarding headers, and the connection closes', async () => {
    const reply = await curl(['--http1.0', `${proxy.url}/one?x=1`]);
    expect(reply.exitCode, reply.verbose).toBe(0);
    expect(reply.httpVersion).toBe('1.1');
    const [seen] = echoedRequestsIn(reply.body);
    expect(seen?.method).toBe('GET');
    expect(seen?.url).toBe('/one?x=1');
    expect(seen?.headers).toMatchObject({
      host: `127.0.0.1:${proxy.port}`,
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': `127.0.0.1:${proxy.port}`,
    });
    // An HTTP/1.0 client that did not ask for keep-alive gets its connection closed after the answer.
    expect(reply.verbose).toMatch(/< connection: close/i);
    expect(reply.verbose).toContain('Closing connection');
  });

  it('curl --http2-prior-knowledge speaks h2c and reaches the origin with method, path and X-Forwarded-*', async () => {
    const reply = await curl(['--http2-prior-knowledge', '-X', 'DELETE', `${proxy.url}/items/7?soft=1`]);
    expect(reply.exitCode, reply.verbose).toBe(0);
    expect(reply.httpVersion).toBe('2');
    const [seen] = echoedRequestsIn(reply.body);
    expect(seen?.method).toBe('DELETE');
    expect(seen?.url).toBe('/items/7?soft=1');
    // :authority becomes Host upstream.
    expect(seen?.headers).toMatchObject({
      host: `127.0.0.1:${proxy.port}`,
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': `127.0.0.1:${proxy.port}`,
    });
  });

  it("node's fetch posts a body and reads the answer", async () => {
    const response = await fetch(`${proxy.url}/fetched`, {
      method: 'POST',
      body: 'from fetch',
      signal: AbortSignal.timeout(5_000),
    });
    expect(response.status).toBe(200);
    const [seen] = echoedRequestsIn(await response.text());
    expect(seen).toMatchObject({ method: 'POST', url: '/fetched', body: 'from fetch' });
  });

  it('answers three pipelined requests sent in one write, a POST with a body in the middle, in order', async () => {
    const pipelined = [
      'GET /first HTTP/1.1\r\nHost: pipe.test\r\n\r\n',
      'POST /second HTTP/1.1\r\nHost: pipe.test\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello there',
      'GET /third HTTP/1.1\r\nHost: pipe.test\r\nConnection: close\r\n\r\n',
    ].join('');
    const exchange = await rawExchange(proxy.port, pipelined, 5_000);
    expect(exchange.closed).toBe(true);
    // Each response starts right after the previous body, with no line break between them.
    expect(exchange.received.match(/HTTP\/1\.1 200 /g)).toHaveLength(3);
    const seen = echoedRequestsIn(exchange.received).map(({ method, url, body }) => `${method} ${url} ${body}`);
    expect(seen).toEqual(['GET /first ', 'POST /second hello there', 'GET /third ']);
  });

  it('answers an absolute-form target; the backend sees its authority as Host and its path', async () => {
    const exchange = await rawExchange(
      proxy.port,
      'GET http://example.test/path?q=1 HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n',
      5_000,
    );
    expect(exchange.received).toMatch(/^HTTP\/1\.1 200 /);
    const [seen] = echoedRequestsIn(exchange.received);
    expect(seen?.url).toBe('/path?q=1');
    expect(seen?.headers.host).toBe('example.test');
  });

  it('forwards an HTTP/1.0 request without Host, with the pool name as the upstream Host', async () => {
    // HTTP/1.0 may leave Host out; the HTTP/1.1 request upstream may not (the echo origin would answer 400).
    const exchange = await rawExchange(proxy.port, 'OPTIONS /bare HTTP/1.0\r\n\r\n', 5_000);
    expect(exchange.received).toMatch(/^HTTP\/1\.1 200 /);
    const [seen] = echoedRequestsIn(exchange.received);
    expect(seen).toMatchObject({ method: 'OPTIONS', url: '/bare' });
    // The client named no host, so none is claimed for it in X-Forwarded-Host; the pool's name stands in upstream.
    expect(seen?.headers.host).toBe('default');
    expect(seen?.headers['x-forwarded-host']).toBeUndefined();
    expect(exchange.closed).toBe(true);
  });

  it('hands OPTIONS * to the backend and relays its answer', async () => {
    const exchange = await rawExchange(proxy.port, 'OPTIONS * HTTP/1.1\r\nHost: star.test\r\nConnection: close\r\n\r\n', 5_000);
    expect(exchange.received).toMatch(/^HTTP\/1\.1 200 /);
    const [seen] = echoedRequestsIn(exchange.received);
    expect(seen).toMatchObject({ method: 'OPTIONS', url: '*' });
  });
});

describe('the complete front under load from ab and h2load', () => {
  let origin: TestOrigin;
  let proxy: L7Proxy;

  beforeAll(async () => {
    // A fixed body: ab counts a response of another length as failed.
    origin = await startOrigin('loaded');
    proxy = await startL7Proxy({ FULCRUM_BACKENDS: origin.address, FULCRUM_PROTOCOLS: PROTOCOLS });
  });
  afterAll(async () => {
    await proxy?.stop();
    await origin?.close();
  });

  it(`ab -n ${LOAD_REQUESTS} -c 10 (HTTP/1.0): every request completes, none fails`, { timeout: LOAD_TIMEOUT_MS + 5_000 }, async () => {
    const before = origin.requests;
    const run = await runProgram('ab', ['-n', String(LOAD_REQUESTS), '-c', '10', '-s', '5', `${proxy.url}/ab`], LOAD_TIMEOUT_MS);
    const report = `${run.stdout}\n${run.stderr}`;
    expect(run.exitCode, report).toBe(0);
    expect(Number(/Complete requests:\s+(\d+)/.exec(run.stdout)?.[1]), report).toBe(LOAD_REQUESTS);
    expect(Number(/Failed requests:\s+(\d+)/.exec(run.stdout)?.[1]), report).toBe(0);
    expect(run.stdout, report).not.toContain('Non-2xx responses');
    expect(origin.requests - before).toBe(LOAD_REQUESTS);
  });

  it.each([
    ['HTTP/1.1 pipelined 8 deep (--h1)', ['--h1']],
    ['h2c, 8 streams per connection', []],
  ])(`h2load -n ${LOAD_REQUESTS} -c 4 -m 8, %s: every request succeeds`, { timeout: LOAD_TIMEOUT_MS + 5_000 }, async (_name, extra) => {
    const args = [...extra, '-n', String(LOAD_REQUESTS), '-c', '4', '-m', '8', '-N', '5s', `${proxy.url}/h2load`];
    const run = await runProgram('h2load', args, LOAD_TIMEOUT_MS);
    const report = `${run.stdout}\n${run.stderr}`;
    expect(h2loadCounts(run.stdout), report).toEqual({
      total: LOAD_REQUESTS,
      done: LOAD_REQUESTS,
      succeeded: LOAD_REQUESTS,
      failed: 0,
      errored: 0,
    });
    expect(run.stdout, report).toContain(`status codes: ${LOAD_REQUESTS} 2xx`);
  });
});

describe('the default front (no FULCRUM_PROTOCOLS)', () => {
  let origin: TestOrigin;
  let proxy: L7Proxy;

  beforeAll(async () => {
    origin = await startOrigin('default-front');
    proxy = await startL7Proxy({ FULCRUM_BACKENDS: origin.address });
  });
  afterAll(async () => {
    await proxy?.stop();
    await origin?.close();
  });

  // uWS leaves both unanswered (no bytes at all, no close) rather than refusing them; a second is plenty
  // for a loopback answer that would come in microseconds, and both wait at once.
  it('serves neither h2c by prior knowledge nor HTTP/1.0: the request reaches no origin', async () => {
    const [h2c, http10] = await Promise.all([
      curl(['--http2-prior-knowledge', '--max-time', '1', `${proxy.url}/`]),
      curl(['--http1.0', '--max-time', '1', `${proxy.url}/`]),
    ]);
    for (const reply of [h2c, http10]) {
      expect(reply.exitCode, reply.verbose).not.toBe(0);
      expect(reply.body).not.toContain('default-front');
    }
    expect(origin.requests).toBe(0);
    // The same proxy does serve HTTP/1.1: the refusals above are about the protocol, not a dead proxy.
    const http11 = await curl([`${proxy.url}/`]);
    expect(http11.body).toBe('default-front');
  });
});
