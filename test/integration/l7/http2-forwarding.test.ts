// What an HTTP/2 request becomes upstream (HTTP/1.1) on the complete front: routed by :authority, with
// Host and the X-Forwarded-* set from it, cookie crumbs joined into one Cookie, a body without a length
// sent chunked, and the backend's Set-Cookie headers kept apart on the way back.
import type { ClientHttp2Session } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoedRequest, startEchoOrigin } from '../../helpers/echo-origin.js';
import { h2Request, openH2Session } from '../../helpers/h2-client.js';
import { type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';

describe('HTTP/2 requests forwarded as HTTP/1.1', () => {
  let api: TestOrigin;
  let web: TestOrigin;
  let cookies: TestOrigin;
  let proxy: L7Proxy;
  let session: ClientHttp2Session;

  beforeAll(async () => {
    api = await startEchoOrigin('api');
    web = await startEchoOrigin('web');
    cookies = await startOrigin('cookies', (_request, response) => {
      response.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      response.end('ok');
    });
    proxy = await startL7Proxy(
      { FULCRUM_PROTOCOLS: 'all' },
      {
        pools: { api: { backends: [api.address] }, web: { backends: [web.address] }, cookies: { backends: [cookies.address] } },
        routes: [
          { match: { host: 'api.test' }, pool: 'api' },
          { match: { pathPrefix: '/cookies' }, pool: 'cookies' },
          { match: { pathPrefix: '/' }, pool: 'web' },
        ],
      },
    );
    session = await openH2Session(proxy.port);
  });
  afterAll(async () => {
    session?.close();
    await proxy?.stop();
    await Promise.all([api?.close(), web?.close(), cookies?.close()]);
  });

  it('routes by :authority and forwards it as Host, with X-Forwarded-* and Forwarded from it', async () => {
    const reply = await h2Request(session, { ':path': '/v1/users?id=7', ':authority': 'api.test' });
    expect(reply.status).toBe(200);
    const seen = JSON.parse(reply.body.toString()) as EchoedRequest;
    expect(seen.url).toBe('/v1/users?id=7');
    expect(seen.headers).toMatchObject({
      host: 'api.test',
      'x-forwarded-host': 'api.test',
      'x-forwarded-proto': 'http',
      'x-forwarded-for': '127.0.0.1',
      forwarded: 'for=127.0.0.1;proto=http;host="api.test"',
    });
    const other = await h2Request(session, { ':path': '/', ':authority': 'www.test' });
    expect((JSON.parse(other.body.toString()) as EchoedRequest).headers.host).toBe('www.test');
    expect(api.requests).toBe(1);
  });

  it('joins cookie crumbs into one Cookie header (RFC 9113 §8.2.3)', async () => {
    const reply = await h2Request(session, { ':path': '/', ':authority': 'www.test', cookie: ['a=1', 'b=2', 'c=3'] });
    expect((JSON.parse(reply.body.toString()) as EchoedRequest).headers.cookie).toBe('a=1; b=2; c=3');
  });

  it('sends a body that has no content-length upstream chunked, whole', async () => {
    const body = 'x'.repeat(100_000);
    const reply = await h2Request(session, { ':method': 'POST', ':path': '/upload', ':authority': 'www.test' }, body);
    const seen = JSON.parse(reply.body.toString()) as EchoedRequest;
    expect(seen.headers['transfer-encoding']).toBe('chunked');
    expect(seen.body).toBe(body);
  });

  it('forwards an empty body whose END_STREAM came in the read that opened the stream (a gRPC client stream of no messages)', async () => {
    // HEADERS without END_STREAM, then an empty DATA frame with it, written together.
    const reply = await h2Request(session, { ':method': 'POST', ':path': '/empty', ':authority': 'www.test' }, '', 3_000);
    expect(reply.status).toBe(200);
    expect((JSON.parse(reply.body.toString()) as EchoedRequest).body).toBe('');
  });

  it("keeps the backend's Set-Cookie headers apart", async () => {
    const reply = await h2Request(session, { ':path': '/cookies', ':authority': 'www.test' });
    expect(reply.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
  });
});
