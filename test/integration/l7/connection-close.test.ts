// A request with `Connection: close` gets `Connection: close` back (RFC 9112 §9.6): uWS 20.30 closes the
// connection after the response but writes no such header itself, and clients such as wrk counted every
// one of those answers as a read error (issue #13, item 8). Driven by curl, on both fronts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRONTS, type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';
import { runProgram } from '../../helpers/real-clients.js';

/** Status and every Connection header of `curl -i` output (the last response when curl followed none). */
function statusAndConnection(output: string): { status: string; connection: string[] } {
  const head = output.slice(0, output.indexOf('\r\n\r\n'));
  const [statusLine, ...lines] = head.split('\r\n');
  return {
    status: (statusLine ?? '').split(' ')[1] ?? '',
    connection: lines.filter((line) => line.toLowerCase().startsWith('connection:')).map((line) => line.slice(11).trim()),
  };
}

describe.each(FRONTS)('Connection: close from the client ($name front)', (front) => {
  let origin: TestOrigin;
  let proxy: L7Proxy;

  beforeAll(async () => {
    origin = await startOrigin('origin');
    proxy = await startL7Proxy(front.env, {
      pools: { app: { backends: [origin.address] } },
      routes: [{ match: { pathPrefix: '/app' }, pool: 'app' }],
    });
  });
  afterAll(async () => {
    await proxy?.stop();
    await origin?.close();
  });

  const curl = (...args: string[]) => runProgram('curl', ['-s', '-i', ...args]);

  it.each([
    ['a proxied GET', [], '/app/x', '200'],
    ['a proxied HEAD', ['-I'], '/app/x', '200'],
    ["Fulcrum's own 404", [], '/nowhere', '404'],
    ["Fulcrum's own 404 to a HEAD", ['-I'], '/nowhere', '404'],
  ])('%s answers with one Connection: close', async (_name, args, path, status) => {
    const result = await curl(...args, '-H', 'Connection: close', `${proxy.url}${path}`);
    expect(result.exitCode).toBe(0);
    expect(statusAndConnection(result.stdout)).toEqual({ status, connection: ['close'] });
  });

  it('a capitalised Close, which uWS also closes on, is answered the same way', async () => {
    const result = await curl('-H', 'Connection: Close', `${proxy.url}/app/x`);
    expect(statusAndConnection(result.stdout)).toEqual({ status: '200', connection: ['close'] });
  });

  it('a keep-alive request gets no Connection: close', async () => {
    const result = await curl(`${proxy.url}/app/x`);
    // node:http spells out HTTP/1.1's default, `Connection: keep-alive`, on every answer it keeps the
    // connection after (with its Keep-Alive: timeout=10); uWS writes no Connection header.
    const connection = front.name === 'node' ? ['keep-alive'] : [];
    expect(statusAndConnection(result.stdout)).toEqual({ status: '200', connection });
  });
});
