// Requests uWS 20.30 cannot parse (README, "Known limitations"): its parser cannot tell a malformed head
// from an unfinished one, so most get no status and wait for uWS's 8-12 s head timeout; a few are
// closed at once. These tests pin what a client sees, in a bounded window, so that a uWS upgrade that
// changes it is noticed, and check that Fulcrum keeps serving other clients meanwhile.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';

interface Seen {
  /** What came back, as text. */
  received: string;
  /** Whether the connection was closed by Fulcrum within the window. */
  closed: boolean;
}

/** Sends `parts` on a fresh connection (50 ms apart, so each is its own read) and reports what came back within `windowMs`. */
function probe(port: number, parts: string[], windowMs: number): Promise<Seen> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, async () => {
      for (const [index, part] of parts.entries()) {
        if (index > 0) await new Promise((wait) => setTimeout(wait, 50));
        if (!socket.destroyed) socket.write(part, 'latin1');
      }
    });
    let received = '';
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ received, closed });
    };
    const timer = setTimeout(() => finish(false), windowMs);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
  });
}

const HOST = 'Host: a\r\n';
const headerLines = (count: number): string => Array.from({ length: count }, (_, index) => `X-Line-${index}: v\r\n`).join('');

/** The forms of issue #13, item 14: uWS neither answers nor closes them before its head timeout. */
const UNANSWERED: Record<string, string> = {
  'HTTP/1.0': `GET / HTTP/1.0\r\n${HOST}\r\n`,
  'absolute-form target': `GET http://a/ HTTP/1.1\r\n${HOST}\r\n`,
  'OPTIONS *': `OPTIONS * HTTP/1.1\r\n${HOST}\r\n`,
  CONNECT: 'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n',
  '49 header lines': `GET / HTTP/1.1\r\n${HOST}${headerLines(48)}\r\n`,
  'bare LF': `GET / HTTP/1.1\n${HOST.trimEnd()}\n\n`,
  'obs-fold': `GET / HTTP/1.1\r\n${HOST}X-Folded: a\r\n b\r\n\r\n`,
  'space before the colon': 'GET / HTTP/1.1\r\nHost : a\r\n\r\n',
  'NUL in a value': `GET / HTTP/1.1\r\n${HOST}X-Bad: a\0b\r\n\r\n`,
  'CR in a value': `GET / HTTP/1.1\r\n${HOST}X-Bad: a\rb\r\n\r\n`,
  'double space in the request line': `GET  / HTTP/1.1\r\n${HOST}\r\n`,
};

/** Closed by uWS as soon as it reads them, still with no status. */
const CLOSED_AT_ONCE: Record<string, string[]> = {
  'headers without Host': ['GET / HTTP/1.1\r\nX-A: b\r\n\r\n'],
  'both Transfer-Encoding and Content-Length': [
    `POST / HTTP/1.1\r\n${HOST}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  ],
  // Fulcrum sets UWS_HTTP_MAX_HEADERS_SIZE far above this, but uWS 20.30 ignores it: 4 KiB is fixed.
  'a valid 5 KiB head arriving in two reads': [`GET / HTTP/1.1\r\n${HOST}X-Big: ${'a'.repeat(2_500)}`, `${'a'.repeat(2_500)}\r\n\r\n`],
};

describe('requests uWS 20.30 cannot parse', () => {
  let origin: TestOrigin;
  let proxy: L7Proxy;

  beforeAll(async () => {
    origin = await startOrigin('origin');
    proxy = await startL7Proxy({ FULCRUM_BACKENDS: origin.address });
  });
  afterAll(async () => {
    await proxy?.stop();
    await origin?.close();
  });

  it('get no bytes and stay open for 2 s, while Fulcrum keeps serving other clients', async () => {
    const names = Object.keys(UNANSWERED);
    const pending = names.map((name) => probe(proxy.port, [UNANSWERED[name] as string], 2_000));
    // Asked while every unparsable request above is still open.
    const meanwhile = await send(`${proxy.url}/meanwhile`, { agent: false });
    const seen = await Promise.all(pending);

    expect(meanwhile).toMatchObject({ status: 200, body: 'origin' });
    expect(Object.fromEntries(names.map((name, index) => [name, seen[index]]))).toEqual(
      Object.fromEntries(names.map((name) => [name, { received: '', closed: false }])),
    );
    expect(origin.requests).toBe(1);
    expect(proxy.process.child.exitCode).toBeNull();
  });

  it('answers 48 header lines, the most uWS parses', async () => {
    const seen = await probe(proxy.port, [`GET / HTTP/1.1\r\n${HOST}${headerLines(46)}Connection: close\r\n\r\n`], 2_000);
    expect(seen.received).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n[\s\S]*origin/);
  });

  it.each(Object.keys(CLOSED_AT_ONCE))('closes at once, with no status: %s', async (name) => {
    expect(await probe(proxy.port, CLOSED_AT_ONCE[name] as string[], 1_000)).toEqual({ received: '', closed: true });
  });
});
