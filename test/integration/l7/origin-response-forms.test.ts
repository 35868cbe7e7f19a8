// Responses a strict parser must still take from real origins, through the binary: interim 1xx responses
// before the final one, and heads whose lines end in a bare LF. Each must reach the client at once.
import { request } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FRONTS, startL7Proxy } from '../../helpers/l7-proxy.js';

/** Writes `parts` raw, one after the other with `gapMs` between them, to each request head it reads. */
async function rawOrigin(parts: string[], gapMs = 0): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    let pending = '';
    socket.on('data', async (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      if (!pending.includes('\r\n\r\n')) return;
      pending = '';
      for (const [index, part] of parts.entries()) {
        if (index > 0 && gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
        if (!socket.destroyed) socket.write(part, 'latin1');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Answer {
  status: number;
  body: string;
  /** False when the connection closed before the body's end. */
  complete: boolean;
  interim: number[];
  elapsedMs: number;
}

/**
 * GET / through the proxy; status 0 when the connection closed before a response head. Fails after `limitMs`
 * (well below the 30 s response timeout).
 */
function get(port: number, limitMs = 5_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const interim: number[] = [];
    const outgoing = request({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('error', () => undefined);
      response.on('close', () =>
        resolve({ status: response.statusCode ?? 0, body, complete: response.complete, interim, elapsedMs: Date.now() - started }),
      );
    });
    outgoing.on('information', (info) => interim.push(info.statusCode));
    outgoing.setTimeout(limitMs, () => outgoing.destroy(new Error(`no response within ${limitMs} ms`)));
    outgoing.on('error', (error) => {
      if (error.message.startsWith('no response')) reject(error);
      else resolve({ status: 0, body: '', complete: false, interim, elapsedMs: Date.now() - started });
    });
    outgoing.end();
  });
}

const FINAL = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello';

describe.each(FRONTS)('origin responses ($name front)', (front) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function through(parts: string[], gapMs = 0): Promise<Answer> {
    const origin = await rawOrigin(parts, gapMs);
    cleanups.push(() => origin.close());
    const proxy = await startL7Proxy({ ...front.env, FULCRUM_BACKENDS: origin.address, FULCRUM_RETRIES: '0' });
    cleanups.push(() => proxy.stop());
    return get(proxy.port);
  }

  // uWS 20.30 writes one status line per response, so interim responses are consumed, not forwarded
  // (README "Known limitations"); what matters is that the final response follows them intact.
  it.each([
    ['103 Early Hints, then 200, in one write', ['HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n', FINAL], 0],
    ['103 Early Hints, then 200 later', ['HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n', FINAL], 100],
    [
      '100 Continue and two 103s, then 200',
      [
        'HTTP/1.1 100 Continue\r\n\r\n',
        'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n',
        'HTTP/1.1 103 Early Hints\r\nLink: </b>\r\n\r\n',
        FINAL,
      ],
      20,
    ],
  ])('%s: the client gets the 200 with its body', async (_name, parts, gapMs) => {
    const answer = await through(parts as string[], gapMs as number);
    expect([answer.status, answer.body, answer.complete, answer.interim]).toEqual([200, 'hello', true, []]);
  });

  // RFC 9112 §2.2: a recipient may accept a bare LF as the end of the start line and of the header lines;
  // HAProxy and NGINX do. Before, Fulcrum waited for a CR until the response timeout and answered 504.
  it.each([
    ['every head line', 'HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 5\n\nhello'],
    ['some head lines', 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\nContent-Length: 5\r\n\nhello'],
    ['a chunked response', 'HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5\r\nhello\r\n0\r\n\n'],
  ])('a head with bare-LF line endings in %s is answered at once', async (_name, raw) => {
    const answer = await through([raw]);
    expect([answer.status, answer.body, answer.complete]).toEqual([200, 'hello', true]);
    expect(answer.elapsedMs).toBeLessThan(2_000);
  });

  it('a chunk line ending in a bare LF cuts the response at once, not after the timeout', async () => {
    const answer = await through(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', '5\nhello\n0\n\n'], 50);
    // The head was already on its way to the client, so the connection is cut (as for any broken body).
    expect(answer.complete).toBe(false);
    expect(answer.elapsedMs).toBeLessThan(2_000);
  });
});
