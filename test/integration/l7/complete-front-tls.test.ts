// The complete front (FULCRUM_PROTOCOLS=all) with TLS: curl negotiates h2 by ALPN, and an HTTP/2 client and
// an HTTP/1.1 client share one port at the same time, each given the certificate of the name it asked for
// (config file tls.certificates, chosen by SNI).
import { type ClientHttp2Session, connect as connectHttp2 } from 'node:http2';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoedRequestsIn, startEchoOrigin } from '../../helpers/echo-origin.js';
import { type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';
import { runProgram } from '../../helpers/real-clients.js';
import { makeCertificate } from '../../helpers/tls-files.js';

const PROTOCOLS = 'all';
/** The origin holds each request until this many are in, so both clients' requests are in flight together. */
const TOGETHER = 2;
const TOGETHER_WAIT_MS = 3_000;
/** A client that gets no answer by then has failed (a front without h2 leaves the HTTP/2 client waiting). */
const ANSWER_TIMEOUT_MS = 6_000;

interface TlsReply {
  alpn: string;
  commonName: string;
  body: string;
}

function commonNameOf(socket: TLSSocket): string {
  return String(socket.getPeerCertificate().subject.CN);
}

function getOverHttp2(session: ClientHttp2Session, path: string): Promise<TlsReply> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ':authority': 'h2.test' });
    const timer = setTimeout(() => reject(new Error(`no HTTP/2 answer to ${path} within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
    let body = '';
    stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
    stream.on('end', () => {
      clearTimeout(timer);
      const socket = session.socket as TLSSocket;
      resolve({ alpn: session.alpnProtocol ?? '', commonName: commonNameOf(socket), body });
    });
    stream.on('error', reject);
    stream.end();
  });
}

function getOverHttps(port: number, serverName: string, path: string): Promise<TlsReply> {
  return new Promise((resolve, reject) => {
    const outgoing = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        servername: serverName,
        rejectUnauthorized: false,
        // http/1.1 offered by ALPN, as browsers do (node's https offers nothing unless its agent is told).
        agent: new HttpsAgent({ ALPNProtocols: ['http/1.1'] }),
        headers: { host: serverName },
      },
      (response) => {
        const socket = response.socket as TLSSocket;
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ alpn: String(socket.alpnProtocol), commonName: commonNameOf(socket), body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('the complete front with TLS', () => {
  let echo: TestOrigin;
  let gathering: TestOrigin;
  let proxy: L7Proxy;
  let gatheringProxy: L7Proxy;

  beforeAll(async () => {
    const fallback = makeCertificate('default.test');
    const h2Name = makeCertificate('h2.test');
    const h1Name = makeCertificate('h1.test');
    const tlsEnv = { FULCRUM_PROTOCOLS: PROTOCOLS, FULCRUM_TLS_CERT: fallback.cert, FULCRUM_TLS_KEY: fallback.key };
    const file = {
      tls: {
        certificates: [
          { serverName: 'h2.test', ...h2Name },
          { serverName: 'h1.test', ...h1Name },
        ],
      },
    };
    echo = await startEchoOrigin();
    // Answers each request once TOGETHER of them are waiting (or after TOGETHER_WAIT_MS), saying which.
    const waiting: (() => void)[] = [];
    gathering = await startOrigin('gathering', (request, response) => {
      let answered = false;
      const answer = (together: boolean) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        response.end(`${request.url} ${together ? 'together' : 'alone'}`);
      };
      const timer = setTimeout(() => answer(false), TOGETHER_WAIT_MS);
      waiting.push(() => answer(true));
      if (waiting.length >= TOGETHER) for (const release of waiting.splice(0)) release();
    });
    [proxy, gatheringProxy] = await Promise.all([
      startL7Proxy({ ...tlsEnv, FULCRUM_BACKENDS: echo.address }, file),
      startL7Proxy({ ...tlsEnv, FULCRUM_BACKENDS: gathering.address }, file),
    ]);
  });
  afterAll(async () => {
    await Promise.all([proxy?.stop(), gatheringProxy?.stop()]);
    await Promise.all([echo?.close(), gathering?.close()]);
  });

  it('curl --http2 negotiates h2 by ALPN; the backend sees method, path and X-Forwarded-Proto https', async () => {
    const url = `https://h2.test:${proxy.port}/secure?x=1`;
    const run = await runProgram('curl', [
      ...['-sS', '-v', '-k', '--max-time', '5', '--http2', '-w', '\n%{http_version}'],
      ...['--resolve', `h2.test:${proxy.port}:127.0.0.1`, '-X', 'PUT', '--data', 'sealed', url],
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('ALPN: server accepted h2');
    expect(run.stderr).toContain('subject: CN=h2.test');
    expect(run.stdout.slice(run.stdout.lastIndexOf('\n') + 1)).toBe('2');
    const [seen] = echoedRequestsIn(run.stdout);
    expect(seen).toMatchObject({ method: 'PUT', url: '/secure?x=1', body: 'sealed' });
    expect(seen?.headers).toMatchObject({
      host: `h2.test:${proxy.port}`,
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': `h2.test:${proxy.port}`,
    });
  });

  it('serves an HTTP/2 client and an HTTP/1.1 client on one port at once, each with the certificate of its name', async () => {
    const session = connectHttp2(`https://127.0.0.1:${gatheringProxy.port}`, { servername: 'h2.test', rejectUnauthorized: false });
    session.on('error', () => undefined);
    try {
      const [overHttp2, overHttps] = await Promise.all([
        getOverHttp2(session, '/by-h2'),
        getOverHttps(gatheringProxy.port, 'h1.test', '/by-h1'),
      ]);
      expect(overHttp2).toEqual({ alpn: 'h2', commonName: 'h2.test', body: '/by-h2 together' });
      expect(overHttps).toEqual({ alpn: 'http/1.1', commonName: 'h1.test', body: '/by-h1 together' });
    } finally {
      session.destroy();
    }
  });

  it("answers HTTP/1.1 over TLS that node's parser refuses for its framing with 400 bad-framing, as in cleartext", async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connectTls(
        { host: '127.0.0.1', port: proxy.port, servername: 'h1.test', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] },
        () => socket.write('POST / HTTP/1.1\r\nHost: h1.test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'),
      );
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      socket.setTimeout(ANSWER_TIMEOUT_MS, () => socket.destroy(new Error(`no close within ${ANSWER_TIMEOUT_MS} ms`)));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(reply).toContain('x-fulcrum-error: bad-framing');
  });
});
