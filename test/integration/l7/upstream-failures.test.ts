// Broken and slow backends (raw net servers writing bad bytes), retries, timeouts, keep-alive reuse and
// client aborts, through the binary: each failure is a 502/504 with X-Fulcrum-Error and the pool stays usable.

import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { FRONTS, type L7Proxy, type Reply, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort, startOrigin, type TestOrigin } from '../../helpers/origins.js';

interface RawBackend {
  address: string;
  connections: number;
  /** Sockets whose peer (Fulcrum) closed them. */
  closedByPeer: number;
  close(): Promise<void>;
}

/** A backend that answers each request head with `reply(requestText)` written raw (null: say nothing). */
async function rawBackend(reply: (request: string) => string | null, options: { closeAfter?: boolean } = {}): Promise<RawBackend> {
  const sockets = new Set<Socket>();
  const backend: RawBackend = { address: '', connections: 0, closedByPeer: 0, close: async () => undefined };
  const server: Server = createServer((socket) => {
    backend.connections++;
    sockets.add(socket);
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      const end = pending.indexOf('\r\n\r\n');
      if (end === -1) return;
      const text = reply(pending.slice(0, end));
      pending = pending.slice(end + 4);
      if (text !== null) socket.write(text, 'latin1');
      if (options.closeAfter) socket.end();
    });
    socket.on('end', () => backend.closedByPeer++);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  backend.close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return backend;
}

const GOOD = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

// 'cut': the head was valid and already went to the client, so a broken body can only end the connection.
const MALFORMED: Array<[string, string, '502' | 'cut' | 'ok-not-reused']> = [
  ['garbage status line', 'HTTP/1.1 OK\r\n\r\n', '502'],
  ['not HTTP at all', 'SSH-2.0-OpenSSH_9.2\r\n\r\n', '502'],
  ['bad header line', 'HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 2\r\n\r\nok', '502'],
  ['conflicting content-lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok', '502'],
  ['negative content-length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', '502'],
  ['header with NUL', 'HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 2\r\n\r\nok', '502'],
  ['101 to a plain request', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n', '502'],
  ['closed before answering', '', '502'],
  ['bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n', 'cut'],
  ['closed mid-body', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort', 'cut'],
  ['bytes after the response', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA', 'ok-not-reused'],
  // Not broken: a body without a length runs until the backend closes, which completes it.
  ['a body delimited by the close', 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nok', 'ok-not-reused'],
];

/**
 * The upstream parser is the same behind both fronts: of the rows answered 502 before any head, the node
 * front runs two (a parse error and a reset), which cover its reply path; every cut and complete row runs on both.
 */
const NODE_FRONT_502_ROWS = new Set(['garbage status line', 'closed before answering']);

describe.each(FRONTS)('malformed upstream responses ($name front)', (front) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const rows =
    front.name === 'uws' ? MALFORMED : MALFORMED.filter(([name, , expected]) => expected !== '502' || NODE_FRONT_502_ROWS.has(name));
  it.each(rows)('%s: %s, and the pool still serves', async (_name, bytes, expected) => {
    let requests = 0;
    const closeAfter = bytes === '' || bytes.endsWith('short') || bytes.includes('Connection: close');
    const broken = await rawBackend(() => (requests++ === 0 ? bytes : GOOD), { closeAfter });
    cleanups.push(() => broken.close());
    const proxy = await startL7Proxy({ ...front.env, FULCRUM_BACKENDS: broken.address, FULCRUM_RETRIES: '0' });
    cleanups.push(() => proxy.stop());
    const bad = await send(`${proxy.url}/`, { agent: false }).catch((error: Error) => error);
    if (expected === '502') {
      expect(bad).not.toBeInstanceOf(Error);
      expect((bad as Reply).status).toBe(502);
      expect((bad as Reply).headers['x-fulcrum-error']).toMatch(/^upstream-(malformed|reset)$/);
    } else if (expected === 'cut') {
      expect(bad).toBeInstanceOf(Error);
    } else {
      expect((bad as Reply).body).toBe('ok');
    }
    const good = await send(`${proxy.url}/`, { agent: false });
    expect([good.status, good.body]).toEqual([200, 'ok']);
    // A poisoned socket is never reused: the good answer came on a fresh connection.
    expect(broken.connections).toBe(2);
  });
});

describe.each(FRONTS)('retries, timeouts, reuse and aborts ($name front)', (front) => {
  let healthy: TestOrigin;
  beforeAll(async () => {
    healthy = await startOrigin('healthy');
  });
  afterAll(async () => {
    await healthy.close();
  });
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function proxyFor(env: Record<string, string>): Promise<L7Proxy> {
    const proxy = await startL7Proxy({ ...front.env, ...env });
    cleanups.push(() => proxy.stop());
    return proxy;
  }

  it('retries a refused connection on another backend, for any method', async () => {
    const deadPort = await freePort();
    const proxy = await proxyFor({ FULCRUM_BACKENDS: `127.0.0.1:${deadPort},${healthy.address}` });
    for (let round = 0; round < 4; round++) {
      const reply = await send(`${proxy.url}/`, { method: 'POST', body: 'payload' });
      expect([reply.status, reply.body]).toEqual([200, 'healthy']);
    }
  });

  it('answers 502 upstream-connect when every backend refuses', async () => {
    const proxy = await proxyFor({ FULCRUM_BACKENDS: `127.0.0.1:${await freePort()}` });
    const reply = await send(`${proxy.url}/`);
    expect([reply.status, reply.headers['x-fulcrum-error']]).toEqual([502, 'upstream-connect']);
  });

  it('answers 504 when the response head does not come in time, without retrying', async () => {
    const silent = await rawBackend(() => null);
    cleanups.push(() => silent.close());
    const proxy = await proxyFor({ FULCRUM_BACKENDS: silent.address, FULCRUM_RESPONSE_TIMEOUT: '300ms' });
    const started = Date.now();
    const reply = await send(`${proxy.url}/`, { agent: false });
    expect([reply.status, reply.headers['x-fulcrum-error']]).toEqual([504, 'upstream-response-timeout']);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(silent.connections).toBe(1);
  });

  it('cuts a response whose body stalls past the idle timeout', async () => {
    const stalling = await rawBackend(() => 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
    cleanups.push(() => stalling.close());
    const proxy = await proxyFor({ FULCRUM_BACKENDS: stalling.address, FULCRUM_UPSTREAM_IDLE_TIMEOUT: '300ms' });
    const outcome = await send(`${proxy.url}/`, { agent: false }).then(
      (reply) => reply.body,
      (error: Error) => error.message,
    );
    expect(outcome).not.toHaveLength(100);
    expect(stalling.closedByPeer).toBe(1);
  });

  it('reuses upstream connections for keep-alive requests, even when the client asks to close', async () => {
    const counted = await startOrigin('counted');
    cleanups.push(() => counted.close());
    const proxy = await proxyFor({ FULCRUM_BACKENDS: counted.address });
    for (let round = 0; round < 20; round++) await send(`${proxy.url}/`);
    for (let round = 0; round < 5; round++) {
      const reply = await send(`${proxy.url}/`, { agent: false, headers: { connection: 'close' } });
      expect(reply.status).toBe(200);
    }
    expect(counted.requests).toBe(25);
    expect(counted.connections).toBe(1);
  });

  it('closes the client connection after the response when the client sent Connection: close', async () => {
    const proxy = await proxyFor({ FULCRUM_BACKENDS: healthy.address });
    const socket = connect(proxy.port, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    await new Promise((resolve) => socket.once('close', resolve));
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(received.endsWith('7\r\nhealthy\r\n0\r\n\r\n')).toBe(true);
  });

  it('destroys the upstream socket when the client aborts mid-response, and serves the next request', async () => {
    let upstreamClosed = 0;
    const endless = await startOrigin('endless', (request, response) => {
      if (request.url === '/ok') return void response.end('fine');
      response.writeHead(200, { 'content-length': String(1 << 30) });
      const timer = setInterval(() => response.write(Buffer.alloc(16 * 1024)), 5);
      response.on('close', () => {
        clearInterval(timer);
        upstreamClosed++;
      });
    });
    cleanups.push(() => endless.close());
    const proxy = await proxyFor({ FULCRUM_BACKENDS: endless.address });
    const socket = connect(proxy.port, '127.0.0.1');
    socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => socket.once('data', resolve));
    socket.destroy();
    await expect.poll(() => upstreamClosed, { timeout: 3_000 }).toBe(1);
    const after = await send(`${proxy.url}/ok`, { agent: false });
    expect([after.status, after.body]).toEqual([200, 'fine']);
    expect(endless.connections).toBe(2);
  });

  it.each([
    ['414 for a long URL', { FULCRUM_MAX_URL_LENGTH: '1kb' }, { path: `/${'a'.repeat(2000)}` }, 414, 'url-too-long'],
    ['431 for large headers', { FULCRUM_MAX_HEADER_SIZE: '2kb' }, { headers: { 'x-big': 'b'.repeat(3000) } }, 431, 'headers-too-large'],
    // Past the room the node front gives its parser (limits + 1 KiB): llhttp refuses it, node-client-error.ts tags it.
    [
      '431 for headers past the parser',
      { FULCRUM_MAX_HEADER_SIZE: '2kb' },
      { headers: { 'x-big': 'b'.repeat(16_000) } },
      431,
      'headers-too-large',
    ],
    ['413 for a declared large body', { FULCRUM_MAX_BODY: '1kb' }, { body: 'x'.repeat(2000) }, 413, 'body-too-large'],
  ])('%s', async (_name, env, request, status, code) => {
    const proxy = await proxyFor({ FULCRUM_BACKENDS: healthy.address, ...env });
    const options = request as { path?: string; headers?: Record<string, string>; body?: string };
    const reply = await send(`${proxy.url}${options.path ?? '/'}`, {
      method: options.body ? 'POST' : 'GET',
      headers: options.headers,
      body: options.body,
      agent: false,
    });
    expect([reply.status, reply.headers['x-fulcrum-error']]).toEqual([status, code]);
  });

  it('413 for a chunked body that grows past the limit', async () => {
    // This backend answers only once the whole body arrived: an early answer would race the limit (and win,
    // rightly forwarded as the backend's response).
    const reader = await startOrigin('reader', (request, response) => {
      request.resume();
      request.once('end', () => response.end('read it all'));
    });
    onTestFinished(() => reader.close());
    const proxy = await proxyFor({ FULCRUM_BACKENDS: reader.address, FULCRUM_MAX_BODY: '64kb' });
    const socket = connect(proxy.port, '127.0.0.1');
    socket.on('error', () => undefined);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = Buffer.alloc(16 * 1024, 'y');
    for (let round = 0; round < 8; round++) socket.write(Buffer.concat([Buffer.from('4000\r\n'), chunk, Buffer.from('\r\n')]));
    await expect.poll(() => received, { timeout: 3_000 }).toMatch(/^HTTP\/1\.1 413/);
    socket.destroy();
  });
});
