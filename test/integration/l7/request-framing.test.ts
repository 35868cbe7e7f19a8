// Requests whose body length (or Host) two parties could read differently are refused with 400 and a
// closed connection before anything is forwarded (RFC 9112 §3.2, §6.3), as HAProxy does; declared lengths
// uWS 20.30 cannot take get 413 instead of a silent close (issue #13, items 6 and 7).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRONTS, type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';
import { rawExchange, runProgram } from '../../helpers/real-clients.js';

/** Status line, X-Fulcrum-Error and Connection of a raw answer. */
function summary(received: string): { status: string; error: string | undefined; connection: string | undefined } {
  const head = received.slice(0, received.indexOf('\r\n\r\n'));
  const [statusLine, ...lines] = head.split('\r\n');
  const header = (name: string) =>
    lines
      .find((line) => line.toLowerCase().startsWith(`${name}:`))
      ?.slice(name.length + 1)
      .trim();
  return { status: (statusLine ?? '').split(' ')[1] ?? '', error: header('x-fulcrum-error'), connection: header('connection') };
}

describe.each(FRONTS)('request framing ($name front)', (front) => {
  let origin: TestOrigin;
  let proxy: L7Proxy;
  let largeLimitProxy: L7Proxy;

  beforeAll(async () => {
    origin = await startOrigin('origin', (request, response) => {
      let bytes = 0;
      request.on('data', (chunk: Buffer) => (bytes += chunk.length));
      request.on('end', () => response.end(`received ${bytes}`));
    });
    proxy = await startL7Proxy({ ...front.env, FULCRUM_BACKENDS: origin.address });
    largeLimitProxy = await startL7Proxy({ ...front.env, FULCRUM_BACKENDS: origin.address, FULCRUM_MAX_BODY: '10gb' });
  });
  afterAll(async () => {
    await proxy?.stop();
    await largeLimitProxy?.stop();
    await origin?.close();
  });

  const refused: Array<[string, string, string, string]> = [
    ['two different Content-Length values', 'Content-Length: 3\r\nContent-Length: 5\r\n\r\nabcde', '400', 'bad-framing'],
    ['a Content-Length that is not a number', 'Content-Length: abc\r\n\r\n', '400', 'bad-framing'],
    ['a Content-Length list (uWS 20.30 drops it after the handler)', 'Content-Length: 3, 3\r\n\r\nabc', '400', 'bad-framing'],
    ['Transfer-Encoding: chunked, identity', 'Transfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n', '400', 'bad-framing'],
    [
      'Transfer-Encoding: chunked, identity with a body that is not chunked',
      'Transfer-Encoding: chunked, identity\r\n\r\nabc',
      '400',
      'bad-framing',
    ],
    ['Transfer-Encoding: chunked twice', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', '400', 'bad-framing'],
    [
      'Transfer-Encoding: gzip, chunked',
      'Transfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      '501',
      'transfer-coding-unsupported',
    ],
    ['two Host headers', 'Host: b.example\r\n\r\n', '400', 'duplicate-host'],
  ];

  it.each(refused)('refuses %s with a reply and a closed connection, forwarding nothing', async (_name, rest, status, error) => {
    const before = origin.requests;
    const { received, closed } = await rawExchange(proxy.port, `POST /framing HTTP/1.1\r\nHost: a.example\r\n${rest}`);
    expect({ ...summary(received), closed }).toEqual({ status, error, connection: 'close', closed: true });
    expect(origin.requests).toBe(before);
  });

  it('answers a client that asked to close with one Connection: close', async () => {
    const { received, closed } = await rawExchange(
      proxy.port,
      'GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n',
    );
    expect({ ...summary(received), closed }).toEqual({ status: '400', error: 'duplicate-host', connection: 'close', closed: true });
    expect(received.toLowerCase().split('connection: close').length).toBe(2);
  });

  const accepted: Array<[string, string]> = [
    ['the same Content-Length twice', 'Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc'],
    ['Transfer-Encoding: Chunked in another case', 'Transfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'],
  ];

  it.each(accepted)('forwards %s and keeps the connection', async (name, rest) => {
    const { received, closed } = await rawExchange(proxy.port, `POST /framing HTTP/1.1\r\nHost: a.example\r\n${rest}`, 500);
    if (front.name === 'node' && name === 'the same Content-Length twice') {
      // llhttp refuses any repeated Content-Length, as RFC 9112 §6.3 allows; node-client-error.ts tags it.
      expect({ ...summary(received), closed }).toEqual({ status: '400', error: 'bad-framing', connection: 'close', closed: true });
      return;
    }
    expect({ status: summary(received).status, body: received.slice(received.indexOf('\r\n\r\n') + 4), closed }).toEqual({
      status: '200',
      body: 'received 3',
      closed: false,
    });
  });

  it('answers 413 to curl declaring 2 GB over the 1gb limit (uWS 20.30 drops the connection right after)', async () => {
    const before = origin.requests;
    const url = `${proxy.url}/large`;
    const result = await runProgram('curl', ['-s', '-i', '-X', 'POST', '-H', 'Content-Length: 2000000000', '-d', 'abc', url]);
    expect(result.exitCode).toBe(0);
    expect(summary(result.stdout)).toEqual({ status: '413', error: 'body-too-large', connection: 'close' });
    expect(origin.requests).toBe(before);
  });

  it('answers a declared 2 GB under FULCRUM_MAX_BODY=10gb: 413 on uWS (it cannot take one), forwarded on the node front', async () => {
    const before = origin.requests;
    if (front.name === 'uws') {
      const url = `${largeLimitProxy.url}/large`;
      const result = await runProgram('curl', ['-s', '-i', '-X', 'POST', '-H', 'Content-Length: 2000000000', '-d', 'abc', url]);
      expect(result.exitCode).toBe(0);
      expect(summary(result.stdout)).toEqual({ status: '413', error: 'declared-length-unsupported', connection: 'close' });
      expect(result.stdout).toContain('Transfer-Encoding: chunked');
      expect(origin.requests).toBe(before);
      return;
    }
    // Only the head and a few bytes are sent: the exchange is cut once the origin has the request.
    const { received } = await rawExchange(
      largeLimitProxy.port,
      'POST /large HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000000\r\n\r\nabc',
      500,
    );
    expect(received).toBe('');
    expect(origin.requests).toBe(before + 1);
  });

  it('forwards a declared length of 999999999 bytes, the most uWS 20.30 takes, under FULCRUM_MAX_BODY=10gb', async () => {
    const before = origin.requests;
    // Only the head and a few bytes are sent: the exchange is cut once the origin has the request.
    const { received } = await rawExchange(
      largeLimitProxy.port,
      'POST /edge HTTP/1.1\r\nHost: a\r\nContent-Length: 999999999\r\n\r\nabc',
      500,
    );
    expect(received).toBe('');
    expect(origin.requests).toBe(before + 1);
  });
});
