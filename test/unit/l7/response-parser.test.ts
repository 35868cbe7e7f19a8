import { describe, expect, it } from 'vitest';
import { ParseError, type ResponseHead, ResponseParser } from '../../../src/l7/upstream/response-parser.js';

interface Parsed {
  head?: ResponseHead;
  body: string;
  trailers?: string[];
  reusable?: boolean;
}

/** Feeds the response in pieces of `split` bytes to exercise every partial-read path. */
function parse(raw: string, options: { head?: boolean; split?: number; eof?: boolean } = {}): Parsed {
  const parser = new ResponseParser();
  const result: Parsed = { body: '' };
  parser.expect(
    {
      onHead: (head) => (result.head = head),
      onBody: (chunk) => (result.body += chunk.toString('latin1')),
      onTrailers: (trailers) => (result.trailers = trailers),
      onComplete: (reusable) => (result.reusable = reusable),
    },
    options.head ?? false,
  );
  const bytes = Buffer.from(raw, 'latin1');
  const split = options.split ?? bytes.length;
  for (let offset = 0; offset < bytes.length; offset += split) parser.execute(bytes.subarray(offset, offset + split));
  if (options.eof) parser.finishAtEof();
  return result;
}

describe('well-formed responses', () => {
  it.each([1, 3, 1000])('content-length body, fed %i bytes at a time', (split) => {
    const parsed = parse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello', { split });
    expect(parsed.head?.status).toBe(200);
    expect(parsed.head?.statusLine).toBe('200 OK');
    expect(parsed.head?.endToEnd).toEqual(['X-A', 'b']);
    expect(parsed.head?.contentLength).toBe(5);
    expect(parsed.body).toBe('hello');
    expect(parsed.reusable).toBe(true);
  });

  it('keeps end-to-end headers as sent, trims optional whitespace and keeps the status line as sent', () => {
    const parsed = parse('HTTP/1.1 200 Fine\r\nContent-Type:\ttext/plain \r\nX-Custom-Thing: B c\r\nserver:s\r\nETAG: "x"\r\n\r\n', {
      eof: true,
    });
    expect(parsed.head?.statusLine).toBe('200 Fine');
    expect(parsed.head?.endToEnd).toEqual(['Content-Type', 'text/plain', 'X-Custom-Thing', 'B c', 'server', 's', 'ETAG', '"x"']);
  });

  it('leaves out hop-by-hop headers in any case, those Connection lists, and the framing headers', () => {
    const raw =
      'HTTP/1.1 200 OK\r\nX-Private: p\r\nKeep-Alive: timeout=5\r\nCONNECTION: Keep-Alive, x-private\r\nTE: trailers\r\nTrailer: x\r\n' +
      'Upgrade: h2c\r\nProxy-Connection: keep-alive\r\nTransfer-Encoding: chunked\r\nX-Kept: k\r\nx-private: again\r\n\r\n0\r\n\r\n';
    const parsed = parse(raw);
    expect(parsed.head?.endToEnd).toEqual(['X-Kept', 'k']);
    expect(parsed.head?.chunked).toBe(true);
    expect(parsed.reusable).toBe(true);
  });

  it('reports the declared Content-Length of a bodyless response', () => {
    const parsed = parse('HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n', { head: true });
    expect([parsed.head?.contentLength, parsed.head?.declaredLength, parsed.body]).toEqual([-1, 1234, '']);
  });

  it('a status line without a reason phrase', () => {
    expect(parse('HTTP/1.1 204\r\n\r\n').head?.statusLine).toBe('204');
  });

  it.each([1, 2, 7, 1000])('chunked body with extensions and trailers, fed %i bytes at a time', (split) => {
    const raw =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\ngrpc-status:\t0 \r\n\r\n';
    const parsed = parse(raw, { split });
    expect(parsed.body).toBe('hello world');
    expect(parsed.trailers).toEqual(['X-Trailer', 't', 'grpc-status', '0']);
    expect(parsed.head?.chunked).toBe(true);
    expect(parsed.reusable).toBe(true);
  });

  it('close-delimited body completes at EOF and is not reusable', () => {
    const parsed = parse('HTTP/1.1 200 OK\r\n\r\nuntil close', { eof: true });
    expect(parsed.body).toBe('until close');
    expect(parsed.reusable).toBe(false);
  });

  it.each([
    ['HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', true],
    ['204', 'HTTP/1.1 204 No Content\r\n\r\n', false],
    ['304', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n', false],
  ])('%s has no body', (_name, raw, head) => {
    const parsed = parse(raw, { head });
    expect(parsed.body).toBe('');
    expect(parsed.reusable).toBe(true);
  });

  // RFC 9112 §2.2: a recipient may take a bare LF as the end of the start line or a field line; HAProxy and
  // NGINX do. Waiting for a CR that never comes would hold the client until the response timeout.
  it.each([1, 2, 5, 1000])('head and trailer lines ending in a bare LF, fed %i bytes at a time', (split) => {
    const lengthDelimited = parse('HTTP/1.1 200 OK\nContent-Length: 5\nX-A: b\n\nhello', { split });
    expect([lengthDelimited.head?.statusLine, lengthDelimited.head?.endToEnd, lengthDelimited.body]).toEqual([
      '200 OK',
      ['X-A', 'b'],
      'hello',
    ]);
    expect(lengthDelimited.reusable).toBe(true);
    const mixed = parse('HTTP/1.1 204 No Content\r\nX-A: b\nX-C: d \r\n\n', { split });
    expect([mixed.head?.status, mixed.head?.endToEnd]).toEqual([204, ['X-A', 'b', 'X-C', 'd']]);
    const chunked = parse('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5\r\nhello\r\n0\r\nX-T: t\n\n', { split });
    expect([chunked.body, chunked.reusable]).toEqual(['hello', true]);
  });

  it('skips 100 Continue before the real response', () => {
    const parsed = parse('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok');
    expect(parsed.head?.status).toBe(201);
    expect(parsed.body).toBe('ok');
  });

  it.each([
    ['Connection: close', 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', false],
    ['HTTP/1.0 default', 'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n', false],
    ['HTTP/1.0 keep-alive', 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n', true],
    ['HTTP/1.0 Keep-Alive in capitals', 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n', true],
    ['close in a token list', 'HTTP/1.1 200 OK\r\nConnection: x-hop, Close\r\nContent-Length: 0\r\n\r\n', false],
    ['HTTP/1.1 keep-alive', 'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n', true],
    ['both framings', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', false],
  ])('keep-alive decision: %s', (_name, raw, reusable) => {
    expect(parse(raw).reusable).toBe(reusable);
  });
});

describe('malformed responses are ParseErrors', () => {
  it.each([
    ['garbage status line', 'SSH-2.0-OpenSSH\r\n\r\n'],
    ['HTTP/2 status line', 'HTTP/2 200 OK\r\n\r\n'],
    ['status out of range', 'HTTP/1.1 099 Low\r\n\r\n'],
    ['header without colon', 'HTTP/1.1 200 OK\r\nBroken\r\n\r\n'],
    ['space in header name', 'HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n'],
    ['obs-fold continuation', 'HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\n\r\n'],
    ['bare CR in a header value', 'HTTP/1.1 200 OK\r\nX-A: b\rc\r\n\r\n'],
    ['NUL in a header value', 'HTTP/1.1 200 OK\r\nX-A: b\0c\r\n\r\n'],
    ['non-ASCII header name', 'HTTP/1.1 200 OK\r\nX-\xe9: b\r\n\r\n'],
    ['empty content-length', 'HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n'],
    ['content-length past 15 digits', 'HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456\r\n\r\n'],
    ['negative content-length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'],
    ['non-numeric content-length', 'HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n'],
    ['conflicting content-lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
    ['bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['chunk without CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXX'],
    ['bare CR ending the status line', 'HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n'],
    ['bare CR ending a header line', 'HTTP/1.1 200 OK\r\nX-A: b\rContent-Length: 0\r\n\r\n'],
    ['bare CR as the blank line', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\rX'],
    ['LF inside the reason phrase ends it: the rest is no header', 'HTTP/1.1 200 O\nK\r\n\r\n'],
    ['chunk size line ending in a bare LF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n'],
    ['bare LF hidden in a chunk extension', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x\n0\r\nhello\r\n0\r\n\r\n'],
    ['bare CR in a chunk extension', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x\ry\r\nhello\r\n0\r\n\r\n'],
    ['bare CR after a chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\r\nhello\r\n0\r\n\r\n'],
    ['space before a chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n'],
    ['chunk size past 12 hex digits', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0000000000005\r\nhello\r\n0\r\n\r\n'],
    ['chunk data ending in a bare LF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n'],
    ['a trailer line without a colon', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T\r\n\r\n'],
    ['bare CR in a trailer', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\rb\r\n\r\n'],
    ['extra bytes after response', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nabEXTRA'],
    ['unexpected 101', 'HTTP/1.1 101 Switching Protocols\r\n\r\n'],
    ['head over 64 KiB', `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70_000)}`],
  ])('%s', (_name, raw) => {
    expect(() => parse(raw)).toThrow(ParseError);
  });

  it('a response cut short by EOF is an error', () => {
    expect(() => parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort', { eof: true })).toThrow(ParseError);
  });

  it('bytes arriving when no response is expected are an error', () => {
    const parser = new ResponseParser();
    expect(() => parser.execute(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'))).toThrow(ParseError);
  });
});
