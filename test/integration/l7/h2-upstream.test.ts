// Plain HTTP through pools whose backends speak HTTP/2 (protocol h2c, and h2 over TLS): requests from an
// HTTP/1.1 client become streams of a few reused sessions; refused streams are retried, GOAWAY is honoured,
// a backend that breaks the protocol costs one 502, and certificates are checked unless told otherwise.
import { constants } from 'node:http2';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForStats } from '../../helpers/admin.js';
import { tempConfigPath, writeConfig } from '../../helpers/config-file.js';
import { openH2Session } from '../../helpers/h2-client.js';
import { FrameType, frame, settingsFrame } from '../../helpers/h2-frames.js';
import { answerWithName, type H2Origin, startH2Origin } from '../../helpers/h2-origin.js';
import { type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort } from '../../helpers/origins.js';
import { makeCertificate } from '../../helpers/tls-files.js';

/**
 * A backend that speaks just enough HTTP/2 to take a request, then answers it with a DATA frame on stream 0
 * (a connection error), and closes once told so by a GOAWAY, as nghttp2 and Go servers do.
 */
function startMalformedBackend(): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    let seen = Buffer.alloc(0);
    let answered = false;
    socket.write(settingsFrame());
    socket.on('data', (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      // Any HEADERS frame type byte after the preface will do: the request has arrived.
      if (!answered && seen.length > 24 + 9 && seen.subarray(24).includes(FrameType.HEADERS)) {
        answered = true;
        seen = Buffer.alloc(0);
        socket.write(frame(FrameType.DATA, 0, 0, Buffer.from('not on stream zero')));
        return;
      }
      // Frames after the bad one: close on the client's GOAWAY.
      while (answered && seen.length >= 9 && seen.length >= 9 + seen.readUIntBE(0, 3)) {
        if (seen[3] === FrameType.GOAWAY) socket.destroy();
        seen = seen.subarray(9 + seen.readUIntBE(0, 3));
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('HTTP/2 upstream (h2c)', () => {
  let plain: H2Origin;
  let refuser: H2Origin;
  let resetter: H2Origin;
  let goingAway: H2Origin;
  let malformed: Server;
  let proxy: L7Proxy;

  beforeAll(async () => {
    plain = await startH2Origin('plain');
    refuser = await startH2Origin('refuser', (stream) => stream.close(constants.NGHTTP2_REFUSED_STREAM));
    resetter = await startH2Origin('resetter', (stream) => stream.close(constants.NGHTTP2_INTERNAL_ERROR));
    // Answers, then tells the client this session takes no stream after this one.
    goingAway = await startH2Origin('going-away', (stream, headers, origin) => {
      answerWithName(stream, headers, origin);
      stream.session?.goaway(constants.NGHTTP2_NO_ERROR, stream.id);
    });
    malformed = await startMalformedBackend();
    const malformedPort = (malformed.address() as { port: number }).port;
    proxy = await startL7Proxy(
      // Short idle and connect timeouts: the session PING that finds a dead session runs at the idle timeout (at most 10 s).
      { FULCRUM_RETRIES: '1', FULCRUM_UPSTREAM_IDLE_TIMEOUT: '2s', FULCRUM_CONNECT_TIMEOUT: '500ms' },
      {
        pools: {
          plain: { backends: [plain.address], protocol: 'h2c' },
          refused: { backends: [refuser.address, plain.address], protocol: 'h2c', algorithm: 'round-robin' },
          reset: { backends: [resetter.address], protocol: 'h2c' },
          goaway: { backends: [goingAway.address], protocol: 'h2c' },
          broken: { backends: [`127.0.0.1:${malformedPort}`], protocol: 'h2c' },
        },
        routes: [
          { match: { pathPrefix: '/refused' }, pool: 'refused' },
          { match: { pathPrefix: '/reset' }, pool: 'reset' },
          { match: { pathPrefix: '/goaway' }, pool: 'goaway' },
          { match: { pathPrefix: '/broken' }, pool: 'broken' },
          { match: { pathPrefix: '/' }, pool: 'plain' },
        ],
      },
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    for (const origin of [plain, refuser, resetter, goingAway]) await origin?.close();
    malformed?.close();
  });

  it('sends an HTTP/1.1 request as a stream, with :authority from Host, and reuses one session', async () => {
    const before = plain.sessions;
    for (let request = 0; request < 10; request++) {
      const reply = await send(`${proxy.url}/a/b?c=1`, { headers: { host: 'shop.test' } });
      expect(reply.status).toBe(200);
      expect(reply.body).toBe('plain');
      expect(reply.headers['x-path']).toBe('/a/b?c=1');
      expect(reply.headers['x-authority']).toBe('shop.test');
      // te is hop-by-hop: only `te: trailers` from the client goes on, and this client sent none.
      expect(reply.headers['x-te']).toBe('');
    }
    expect(plain.sessions - before).toBeLessThanOrEqual(1);
  });

  it('forwards request bodies with and without a declared length, and HEAD without a body', async () => {
    const body = Buffer.alloc(100_000, 'x');
    const declared = await send(`${proxy.url}/upload`, { method: 'POST', body });
    expect(declared.headers['x-body-bytes']).toBe('100000');
    const chunked = await send(`${proxy.url}/upload`, { method: 'POST', body, headers: { 'transfer-encoding': 'chunked' } });
    expect(chunked.headers['x-body-bytes']).toBe('100000');
    const head = await send(`${proxy.url}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('sends a refused stream again, even a POST, and does not resend one the backend reset', async () => {
    for (let request = 0; request < 4; request++) {
      const reply = await send(`${proxy.url}/refused`, { method: 'POST' });
      expect(reply.status).toBe(200);
      expect(reply.body).toBe('plain');
    }
    expect(refuser.streams).toBeGreaterThanOrEqual(1);
    const reset = await send(`${proxy.url}/reset`, { method: 'POST' });
    expect(reset.status).toBe(502);
    expect(reset.headers['x-fulcrum-error']).toBe('upstream-reset');
    expect(resetter.streams).toBe(1);
  });

  it('opens a new session after GOAWAY, and loses no request', async () => {
    for (let request = 0; request < 5; request++) {
      const reply = await send(`${proxy.url}/goaway`);
      expect(reply.status).toBe(200);
      expect(reply.body).toBe('going-away');
    }
    expect(goingAway.sessions).toBe(5);
  });

  it('answers 502 for a backend that breaks the protocol, found by the session PING, and other pools carry on', async () => {
    const started = Date.now();
    const reply = await send(`${proxy.url}/broken`);
    // node:http2 stops reading a session nghttp2 ended over a protocol error, and tells nothing: the unanswered
    // PING finds it (within the 2 s idle timeout plus the 500 ms connect timeout), long before the 30 s response timeout.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(reply.status).toBe(502);
    expect(reply.headers['x-fulcrum-error']).toMatch(/^upstream-(malformed|reset)$/);
    expect((await send(`${proxy.url}/after`)).body).toBe('plain');
  });
});

/** A TCP relay to `port` that can go silent both ways while keeping its connections open (a path that died). */
function startFreezableRelay(port: number): Promise<{ port: number; freeze(frozen: boolean): void; close(): void }> {
  let frozen = false;
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
      from.on('data', (chunk: Buffer) => {
        if (!frozen) to.write(chunk);
      });
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as { port: number }).port,
        freeze: (value) => {
          frozen = value;
        },
        close: () => server.close(),
      }),
    ),
  );
}

describe('an HTTP/2 session whose path goes silent', () => {
  let origin: H2Origin;
  let relay: Awaited<ReturnType<typeof startFreezableRelay>>;
  let proxy: L7Proxy;

  beforeAll(async () => {
    origin = await startH2Origin('behind-relay', (stream, headers, self) => {
      if (headers[':path'] === '/slow') setTimeout(() => answerWithName(stream, headers, self), 3_000);
      else answerWithName(stream, headers, self);
    });
    relay = await startFreezableRelay(origin.port);
    proxy = await startL7Proxy({
      FULCRUM_UPSTREAM_PROTOCOL: 'h2c',
      FULCRUM_BACKENDS: `127.0.0.1:${relay.port}`,
      // PINGs every second; one unanswered for 800 ms drops the session (shorter, and a loaded CI machine
      // can be that slow to answer a healthy session's PING).
      FULCRUM_UPSTREAM_IDLE_TIMEOUT: '1s',
      FULCRUM_CONNECT_TIMEOUT: '800ms',
    });
  });
  afterAll(async () => {
    await proxy?.stop();
    relay?.close();
    await origin?.close();
  });

  it('is dropped when a PING goes unanswered, failing its calls long before the response timeout', async () => {
    expect((await send(proxy.url)).body).toBe('behind-relay');
    const sessionsBefore = origin.sessions;
    const started = Date.now();
    const pending = send(`${proxy.url}/slow`, { method: 'POST' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    relay.freeze(true);
    const reply = await pending;
    // A POST is not sent again: its answer is Fulcrum's, at the first unanswered PING, not the 30 s response timeout.
    expect(reply.status).toBe(502);
    expect(reply.headers['x-fulcrum-error']).toBe('upstream-reset');
    expect(Date.now() - started).toBeLessThan(4_000);
    relay.freeze(false);
    await expect.poll(async () => (await send(proxy.url)).body, { timeout: 5_000, interval: 100 }).toBe('behind-relay');
    expect(origin.sessions).toBeGreaterThan(sessionsBefore);
  });
});

describe('a reload that changes a pool protocol', () => {
  let origin: H2Origin;
  let proxy: L7Proxy;

  afterAll(async () => {
    await proxy?.stop();
    await origin?.close();
  });

  it('switches the pool to HTTP/2 in place: new requests use the new protocol', async () => {
    origin = await startH2Origin('h2c-only');
    const configPath = tempConfigPath('fulcrum.yaml');
    const pool = (protocol: string) => [
      'pools:',
      `  api: { backends: ["${origin.address}"], protocol: ${protocol} }`,
      'routes:',
      '  - { match: { pathPrefix: / }, pool: api }',
    ];
    writeConfig(configPath, pool('http/1.1'));
    proxy = await startL7Proxy({ FULCRUM_CONFIG: configPath });
    // An h2c-only backend cannot parse HTTP/1.1.
    expect((await send(proxy.url)).status).toBe(502);
    writeConfig(configPath, pool('h2c'));
    proxy.process.child.kill('SIGHUP');
    await expect.poll(async () => (await send(proxy.url)).body, { timeout: 5_000, interval: 100 }).toBe('h2c-only');
  });
});

describe('request trailers to an h2c pool', () => {
  let origin: H2Origin;
  let proxy: L7Proxy;

  beforeAll(async () => {
    origin = await startH2Origin('trailers');
    proxy = await startL7Proxy({ FULCRUM_PROTOCOLS: 'all', FULCRUM_UPSTREAM_PROTOCOL: 'h2c', FULCRUM_BACKENDS: origin.address });
  });
  afterAll(async () => {
    await proxy?.stop();
    await origin?.close();
  });

  /** A POST over HTTP/2 whose body ends with `x-checksum: abc` in its trailers. */
  async function postWithTrailers(announce: boolean): Promise<string> {
    const session = await openH2Session(proxy.port);
    try {
      const stream = session.request(
        { ':method': 'POST', ':path': '/t', ...(announce ? { trailer: 'x-checksum' } : {}) },
        { waitForTrailers: true },
      );
      stream.once('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc' }));
      const echoed = new Promise<string>((resolve) => stream.once('response', (headers) => resolve(String(headers['x-request-trailers']))));
      stream.resume();
      stream.end('body');
      return await echoed;
    } finally {
      session.close();
    }
  }

  it('passes trailers the client announced with Trailer', async () => {
    expect(JSON.parse(await postWithTrailers(true))).toMatchObject({ 'x-checksum': 'abc' });
  });

  it('drops trailers the client did not announce (waiting for them would cost every request a frame)', async () => {
    expect(await postWithTrailers(false)).toBe('');
  });
});

describe('health checks of an h2c pool', () => {
  let healthy: H2Origin;
  let sick: H2Origin;
  let proxy: L7Proxy;
  let adminPort: number;

  beforeAll(async () => {
    healthy = await startH2Origin('healthy');
    sick = await startH2Origin('sick', (stream) => {
      stream.respond({ ':status': 503 });
      stream.end();
    });
    adminPort = await freePort();
    proxy = await startL7Proxy({
      FULCRUM_UPSTREAM_PROTOCOL: 'h2c',
      FULCRUM_BACKENDS: `${healthy.address},${sick.address}`,
      // The default probe (auto: GET /, any status below 500), sent over HTTP/2 as the pool's traffic is.
      FULCRUM_HEALTH_CHECK: 'auto',
      FULCRUM_HEALTH_INTERVAL: '200ms',
      FULCRUM_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
    });
  });
  afterAll(async () => {
    await proxy?.stop();
    await healthy?.close();
    await sick?.close();
  });

  it('probes over HTTP/2: the backend answering 503 goes down, the other stays up', async () => {
    await waitForStats(
      adminPort,
      (stats) => {
        const states = stats.pools.default?.backends.map((backend) => backend.state);
        return states?.[0] === 'up' && states?.[1] === 'down';
      },
      5_000,
    );
    for (let request = 0; request < 4; request++) expect((await send(proxy.url)).body).toBe('healthy');
  });
});

describe('HTTP/2 upstream over TLS (h2)', () => {
  const certificate = makeCertificate('backend.test');
  let origin: H2Origin;
  let proxy: L7Proxy;

  beforeAll(async () => {
    origin = await startH2Origin('secure', answerWithName, certificate);
    proxy = await startL7Proxy(
      {},
      {
        pools: {
          verified: { backends: [origin.address], protocol: 'h2', tls: { ca: certificate.cert, serverName: 'backend.test' } },
          wrongName: { backends: [origin.address], protocol: 'h2', tls: { ca: certificate.cert, serverName: 'other.test' } },
          systemCas: { backends: [origin.address], protocol: 'h2' },
          insecure: { backends: [origin.address], protocol: 'h2', tls: { insecure: true } },
        },
        routes: [
          { match: { pathPrefix: '/verified' }, pool: 'verified' },
          { match: { pathPrefix: '/wrong-name' }, pool: 'wrongName' },
          { match: { pathPrefix: '/system' }, pool: 'systemCas' },
          { match: { pathPrefix: '/insecure' }, pool: 'insecure' },
        ],
      },
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await origin?.close();
  });

  it('verifies the backend against the pool CA and server name', async () => {
    const reply = await send(`${proxy.url}/verified`);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('secure');
  });

  it('refuses a certificate for another name, or one no system CA signed (502)', async () => {
    for (const path of ['/wrong-name', '/system']) {
      const reply = await send(`${proxy.url}${path}`);
      expect(reply.status).toBe(502);
      expect(reply.headers['x-fulcrum-error']).toBe('upstream-connect');
    }
  });

  it('accepts any certificate only with insecure: true', async () => {
    expect((await send(`${proxy.url}/insecure`)).status).toBe(200);
  });
});
