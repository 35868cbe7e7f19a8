// Request forms the uWS front cannot serve (README "Requests uWS cannot parse"), sent raw to the complete
// front (FULCRUM_PROTOCOLS=all): the legal ones reach the backend as the client meant them, the malformed
// ones get a 400 at once instead of a silent close seconds later.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';

/** One request on a fresh connection; resolves with the reply's status line once the reply is complete or the connection closed. */
function statusOf(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk;
      const end = received.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(received);
      if (end >= 0 && length && received.length >= end + 4 + Number(length[1])) socket.destroy();
    });
    socket.once('close', () => resolve(received.split('\r\n')[0] as string));
    socket.once('error', reject);
    socket.setTimeout(3_000, () => socket.destroy(new Error(`no reply within 3 s to ${JSON.stringify(request)}`)));
  });
}

describe('request forms on the complete front', () => {
  let origin: TestOrigin;
  let proxy: L7Proxy;
  const received: Array<{ method: string; url: string; host: string | undefined; headerCount: number }> = [];

  beforeAll(async () => {
    origin = await startOrigin('origin', (request, response) => {
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        host: request.headers.host,
        headerCount: request.rawHeaders.length / 2,
      });
      response.end('ok');
    });
    proxy = await startL7Proxy(
      { FULCRUM_PROTOCOLS: 'all' },
      { pools: { web: { backends: [origin.address] } }, routes: [{ match: { pathPrefix: '/' }, pool: 'web' }] },
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await origin?.close();
  });

  it('forwards an HTTP/1.0 request without Host, naming the pool as the upstream Host', async () => {
    expect(await statusOf(proxy.port, 'GET /old HTTP/1.0\r\n\r\n')).toBe('HTTP/1.1 200 OK');
    expect(received.at(-1)).toMatchObject({ method: 'GET', url: '/old', host: 'web' });
  });

  it('forwards extension methods and 60 header lines, which uWS drops', async () => {
    expect(await statusOf(proxy.port, 'PROPFIND /dav HTTP/1.1\r\nHost: a\r\nDepth: 1\r\n\r\n')).toBe('HTTP/1.1 200 OK');
    expect(received.at(-1)).toMatchObject({ method: 'PROPFIND', url: '/dav' });
    const many = Array.from({ length: 60 }, (_, index) => `X-H${index}: v\r\n`).join('');
    expect(await statusOf(proxy.port, `GET /many HTTP/1.1\r\nHost: a\r\n${many}\r\n`)).toBe('HTTP/1.1 200 OK');
    expect(received.at(-1)?.headerCount).toBeGreaterThanOrEqual(60);
  });

  it.each([
    ['bare LF line ends', 'GET / HTTP/1.1\nHost: a\n\n'],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n'],
    ['a space before the colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n'],
    ['no Host in HTTP/1.1', 'GET / HTTP/1.1\r\nX-A: b\r\n\r\n'],
    [
      'both Transfer-Encoding and Content-Length',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
  ])('answers %s with 400 at once, and forwards nothing', async (_name, request) => {
    const before = origin.requests;
    expect(await statusOf(proxy.port, request)).toBe('HTTP/1.1 400 Bad Request');
    expect(origin.requests).toBe(before);
  });
});
