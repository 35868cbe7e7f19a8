// Routing table, prefix stripping, Host rewrite, hop-by-hop removal and X-Forwarded-* trust, through the binary,
// on both fronts.
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRONTS, type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort, startOrigin, type TestOrigin } from '../../helpers/origins.js';

const hasIpv6Loopback = Object.values(networkInterfaces()).some((addresses) => addresses?.some((address) => address.address === '::1'));

interface Echo {
  name: string;
  url: string;
  headers: Record<string, string>;
}

describe.each(FRONTS)('routing and forwarding ($name front)', (front) => {
  const origins: Record<string, TestOrigin> = {};
  let proxy: L7Proxy;

  beforeAll(async () => {
    for (const name of ['api', 'v2', 'static', 'users', 'canary', 'fallback']) {
      origins[name] = await startOrigin(name, (request, response, origin) => {
        response.setHeader('connection', 'keep-alive, x-private');
        response.setHeader('x-private', 'hop');
        response.setHeader('keep-alive', 'timeout=5');
        response.end(JSON.stringify({ name: origin.name, url: request.url, headers: request.headers }));
      });
    }
    const pool = (name: string, extra: Record<string, unknown> = {}) => ({ backends: [(origins[name] as TestOrigin).address], ...extra });
    proxy = await startL7Proxy(
      { ...front.env, FULCRUM_TRUSTED_PROXIES: '127.0.0.2/32' },
      {
        pools: {
          api: pool('api', { hostRewrite: 'api.internal:8080' }),
          v2: pool('v2'),
          static: pool('static'),
          users: pool('users'),
          canary: pool('canary'),
          fallback: pool('fallback'),
        },
        routes: [
          { match: { host: 'api.example.com', pathPrefix: '/v2/' }, pool: 'v2', stripPrefix: true },
          { match: { host: 'api.example.com' }, pool: 'api' },
          { match: { host: '*.static.example.com' }, pool: 'static' },
          { match: { pathRegex: '^/users/\\d+$', method: ['GET', 'HEAD'] }, pool: 'users' },
          { match: { headers: [{ name: 'x-canary', equals: 'yes' }] }, pool: 'canary' },
          { match: { pathPrefix: '/app' }, pool: 'fallback' },
        ],
      },
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await Promise.all(Object.values(origins).map((origin) => origin.close()));
  });

  async function echo(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Echo & { status: number }> {
    const reply = await send(`${proxy.url}${path}`, { headers, method });
    return reply.status === 200
      ? { ...(JSON.parse(reply.body) as Echo), status: 200 }
      : { name: '', url: '', headers: {}, status: reply.status };
  }

  it.each([
    ['host + prefix, prefix stripped', '/v2/items?x=1', { host: 'api.example.com' }, 'GET', 'v2', '/items?x=1'],
    ['bare prefix strips to /', '/v2/', { host: 'api.example.com' }, 'GET', 'v2', '/'],
    ['host only', '/v1/items', { host: 'api.example.com' }, 'GET', 'api', '/v1/items'],
    ['wildcard host with port', '/a.png', { host: 'img.static.example.com:8080' }, 'GET', 'static', '/a.png'],
    ['regex + method', '/users/42', { host: 'x' }, 'GET', 'users', '/users/42'],
    ['header equals', '/', { host: 'x', 'x-canary': 'yes' }, 'GET', 'canary', '/'],
    ['prefix, not stripped', '/app/page', { host: 'x' }, 'GET', 'fallback', '/app/page'],
  ])('%s', async (_name, path, headers, method, pool, upstreamUrl) => {
    const reply = await echo(path, headers, method);
    expect([reply.name, reply.url]).toEqual([pool, upstreamUrl]);
  });

  it('answers a request no route matches with a clear 404', async () => {
    const reply = await send(`${proxy.url}/users/abc`, { method: 'POST', headers: { host: 'nowhere' } });
    expect(reply.status).toBe(404);
    expect(reply.headers['x-fulcrum-error']).toBe('no-route');
    expect(reply.body).toContain('No route matches POST nowhere/users/abc');
  });

  it('rewrites Host for a pool with hostRewrite and keeps the original in X-Forwarded-Host', async () => {
    const reply = await echo('/x', { host: 'api.example.com' });
    expect(reply.headers.host).toBe('api.internal:8080');
    expect(reply.headers['x-forwarded-host']).toBe('api.example.com');
  });

  it('preserves Host by default', async () => {
    expect((await echo('/app', { host: 'shop.example.com' })).headers.host).toBe('shop.example.com');
  });

  it('removes hop-by-hop headers both ways', async () => {
    const reply = await send(`${proxy.url}/app`, {
      headers: { connection: 'keep-alive, x-secret', 'x-secret': 's', te: 'trailers', 'proxy-authorization': 'p', 'x-kept': 'k' },
    });
    const seen = (JSON.parse(reply.body) as Echo).headers;
    expect(seen['x-kept']).toBe('k');
    for (const name of ['x-secret', 'te', 'proxy-authorization']) expect(seen[name]).toBeUndefined();
    expect(reply.headers['x-private']).toBeUndefined();
    // The backend's Keep-Alive (timeout=5) never passes. node:http announces its own idle timeout for the
    // client's connection (KEEP_ALIVE_TIMEOUT_MS in node-front.ts), which is true of that connection.
    expect(reply.headers['keep-alive']).toBe(front.name === 'node' ? 'timeout=10' : undefined);
  });

  it('adds no uWebSockets header of its own to the response', async () => {
    const reply = await send(`${proxy.url}/app`);
    expect(reply.status).toBe(200);
    expect(reply.headers.uwebsockets).toBeUndefined();
  });

  it('replaces forwarding headers from an untrusted client', async () => {
    const seen = (
      await echo('/app', { host: 'h.example', 'x-forwarded-for': '6.6.6.6', forwarded: 'for=6.6.6.6', 'x-forwarded-proto': 'https' })
    ).headers;
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe('h.example');
    expect(seen.forwarded).toBe('for=127.0.0.1;proto=http;host="h.example"');
  });

  it('names the client address of every request, IPv4 again and again, and IPv6 in brackets in Forwarded', async () => {
    for (let round = 0; round < 3; round++)
      expect((await echo('/app', { host: 'h.example' })).headers['x-forwarded-for']).toBe('127.0.0.1');
    if (!hasIpv6Loopback) return;
    const port = await freePort();
    const v6 = await startL7Proxy({
      ...front.env,
      FULCRUM_BACKENDS: (origins.fallback as TestOrigin).address,
      FULCRUM_LISTEN: `[::1]:${port}`,
    });
    try {
      const seen = (JSON.parse((await send(`http://[::1]:${port}/`, { headers: { host: 'h.example' } })).body) as Echo).headers;
      expect(seen['x-forwarded-for']).toBe('::1');
      expect(seen.forwarded).toBe('for="[::1]";proto=http;host="h.example"');
    } finally {
      await v6.stop();
    }
  });

  it('appends to the chain of a trusted proxy', async () => {
    const trusted = await startL7Proxy({
      ...front.env,
      FULCRUM_BACKENDS: (origins.fallback as TestOrigin).address,
      FULCRUM_TRUSTED_PROXIES: '127.0.0.0/8',
    });
    try {
      const reply = await send(`${trusted.url}/`, {
        headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', forwarded: 'for=203.0.113.7' },
      });
      const seen = (JSON.parse(reply.body) as Echo).headers;
      expect(seen['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
      expect(seen['x-forwarded-proto']).toBe('https');
      expect(seen.forwarded).toMatch(/^for=203\.0\.113\.7, for=127\.0\.0\.1;proto=http/);
    } finally {
      await trusted.stop();
    }
  });
});
