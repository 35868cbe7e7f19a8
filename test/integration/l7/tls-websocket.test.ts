// HTTPS termination with certificates chosen by SNI (made with openssl here), the HTTP→HTTPS redirect,
// WebSocket echo through the proxy, and a slowloris client cut off, each on both fronts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { FRONTS, type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort, startOrigin, type TestOrigin } from '../../helpers/origins.js';

function makeCertificate(directory: string, name: string): { cert: string; key: string } {
  const cert = join(directory, `${name}.crt`);
  const key = join(directory, `${name}.key`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-keyout', key, '-out', cert],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

/** The CN of the certificate the proxy presents for `serverName`, and the body of GET / over that connection. */
function fetchOverTls(port: number, serverName: string): Promise<{ commonName: string; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        servername: serverName,
        rejectUnauthorized: false,
        agent: false,
        headers: { host: serverName },
      },
      (response) => {
        const commonName = String((response.socket as TLSSocket).getPeerCertificate().subject.CN);
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ commonName, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe.each(FRONTS)('TLS termination ($name front)', (front) => {
  let origin: TestOrigin;
  let proxy: L7Proxy;
  let redirectPort = 0;

  beforeAll(async () => {
    const directory = mkdtempSync(join(tmpdir(), 'fulcrum-tls-'));
    const fallback = makeCertificate(directory, 'default.test');
    const first = makeCertificate(directory, 'a.test');
    const second = makeCertificate(directory, 'b.test');
    const wildcard = makeCertificate(directory, 'c.test');
    origin = await startOrigin('tls-origin', (request, response) => response.end(`${request.headers['x-forwarded-proto']}`));
    redirectPort = await freePort();
    proxy = await startL7Proxy(
      {
        ...front.env,
        FULCRUM_BACKENDS: origin.address,
        FULCRUM_TLS_CERT: fallback.cert,
        FULCRUM_TLS_KEY: fallback.key,
        FULCRUM_HTTPS_REDIRECT_LISTEN: `127.0.0.1:${redirectPort}`,
      },
      {
        tls: {
          certificates: [
            { serverName: 'a.test', ...first },
            { serverName: 'b.test', ...second },
            { serverName: '*.c.test', ...wildcard },
          ],
        },
      },
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await origin?.close();
  });

  it.each([
    ['a.test', 'a.test'],
    ['b.test', 'b.test'],
    ['other.test', 'default.test'],
    // DNS names are case-insensitive: uWS compares SNI names byte for byte, Fulcrum adds the spelling.
    ['A.TEST', 'a.test'],
    ['b.TeSt', 'b.test'],
    ['x.c.test', 'c.test'],
    ['X.C.TEST', 'c.test'],
    ['Y.C.TEST', 'c.test'],
    ['OTHER.TEST', 'default.test'],
  ])('SNI %s gets the certificate of %s and is proxied with X-Forwarded-Proto https', async (serverName, commonName) => {
    expect(await fetchOverTls(proxy.port, serverName)).toEqual({ commonName, body: 'https' });
  });

  it('redirects plain HTTP to HTTPS with 308, keeping host, path and query', async () => {
    const reply = await send(`http://127.0.0.1:${redirectPort}/a/b?c=1`, { headers: { host: 'shop.test:80' }, agent: false });
    expect(reply.status).toBe(308);
    expect(reply.headers.location).toBe(`https://shop.test:${proxy.port}/a/b?c=1`);
  });
});

describe.each(FRONTS)('WebSocket proxying ($name front)', (front) => {
  let echoServer: WebSocketServer;
  let echoAddress = '';
  let proxy: L7Proxy;

  beforeAll(async () => {
    echoServer = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => echoServer.once('listening', resolve));
    echoAddress = `127.0.0.1:${(echoServer.address() as { port: number }).port}`;
    echoServer.on('connection', (socket, request) => {
      socket.send(`hello ${request.url} via ${request.headers['x-forwarded-for']}`);
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
    proxy = await startL7Proxy({ ...front.env, FULCRUM_BACKENDS: echoAddress });
  });
  afterAll(async () => {
    await proxy?.stop();
    await new Promise((resolve) => echoServer.close(resolve));
  });

  it('relays text and binary messages both ways, including large ones', async () => {
    const client = new WebSocket(`ws://127.0.0.1:${proxy.port}/chat?room=1`);
    const messages: Array<{ data: Buffer; isBinary: boolean }> = [];
    client.on('message', (data: Buffer, isBinary) => messages.push({ data, isBinary }));
    await new Promise((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    const large = Buffer.alloc(4 * 1024 * 1024, 7);
    client.send('ping');
    client.send(large);
    await expect.poll(() => messages.length, { timeout: 5_000 }).toBe(3);
    expect(messages[0]?.data.toString()).toBe('hello /chat?room=1 via 127.0.0.1');
    expect([messages[1]?.data.toString(), messages[1]?.isBinary]).toEqual(['ping', false]);
    expect(messages[2]?.isBinary).toBe(true);
    expect(messages[2]?.data.equals(large)).toBe(true);
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    client.close(1000);
    expect(await closed).toBe(1000);
  });

  // uWS accepts the client's upgrade only once the backend accepted its own, so a refusal becomes Fulcrum's
  // 502; the node front tunnels the upgrade request, so the client gets the backend's own answer (200 here).
  it('passes on a refused upgrade: 502 on the uWS front, the backend answer on the node front', async () => {
    const plain = await startOrigin('plain');
    const refusing = await startL7Proxy({ ...front.env, FULCRUM_BACKENDS: plain.address });
    try {
      const status = await new Promise<number>((resolve) => {
        const client = new WebSocket(`ws://127.0.0.1:${refusing.port}/`);
        client.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        client.on('error', () => resolve(-1));
      });
      expect(status).toBe(front.name === 'uws' ? 502 : 200);
    } finally {
      await refusing.stop();
      await plain.close();
    }
  });
});

describe.each(FRONTS)('slow clients ($name front)', (front) => {
  // uWS's own head timeout (8-12 s), and node:http's headersTimeout set to match (node-front.ts).
  it('cuts off a slowloris client that never finishes its request head (about 10 s)', async () => {
    const origin = await startOrigin('never');
    const proxy = await startL7Proxy({ ...front.env, FULCRUM_BACKENDS: origin.address });
    try {
      const socket = connectTcp(proxy.port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
      const drip = setInterval(() => socket.write('X-Slow: a\r\n'), 1_000);
      const started = Date.now();
      await new Promise((resolve) => socket.once('close', resolve));
      clearInterval(drip);
      expect(Date.now() - started).toBeLessThan(16_000);
      expect(origin.requests).toBe(0);
    } finally {
      await proxy.stop();
      await origin.close();
    }
  }, 25_000);
});
