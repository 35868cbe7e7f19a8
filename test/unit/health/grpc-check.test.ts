// The gRPC active check against real loopback servers: a grpc-js Health service (h2c and h2), a plain
// HTTP/1.1 server, a closed port, an HTTP/2 server that never answers, and raw replies a server can botch.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttp2Server, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthCheckConfig } from '../../../src/config/types.js';
import { type CheckTarget, runCheck } from '../../../src/health/active-check.js';
import { startGrpcHealthServer } from '../../helpers/grpc-health-server.js';
import { freePort } from '../../helpers/origins.js';
import { makeCertificate } from '../../helpers/tls-files.js';

const TIMEOUT_MS = 500;
const stops: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

function grpcCheck(service = ''): HealthCheckConfig {
  return { kind: 'grpc', intervalMs: 1_000, fastIntervalMs: 250, timeoutMs: TIMEOUT_MS, rise: 1, fall: 1, http: null, grpc: { service } };
}

function local(port: number, tls: CheckTarget['tls'] = null): CheckTarget {
  return { host: '127.0.0.1', port, tls };
}

async function grpcServer(tls?: { cert: Buffer; key: Buffer }) {
  const server = await startGrpcHealthServer(tls);
  stops.push(() => server.stop());
  return server;
}

/** An h2c server whose Check stream `answer` handles as it likes (to send what grpc-js never would). */
async function rawH2Server(answer: (stream: ServerHttp2Stream) => void): Promise<number> {
  const server: Http2Server = createHttp2Server();
  server.on('stream', (stream) => {
    stream.on('error', () => undefined);
    answer(stream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stops.push(() => {
    server.close();
  });
  return (server.address() as { port: number }).port;
}

/** A gRPC reply body: the 5-byte prefix (flag, big-endian length) and `message`. */
function framed(message: number[], compressed = 0): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt8(compressed, 0);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, Buffer.from(message)]);
}

function replyWith(body: Buffer, trailers: Record<string, string> = { 'grpc-status': '0' }) {
  return (stream: ServerHttp2Stream) => {
    stream.resume();
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(trailers));
      stream.end(body);
    });
  };
}

describe('gRPC health check against grpc-js', () => {
  it('passes a SERVING server, and fails it once NOT_SERVING', async () => {
    const server = await grpcServer();
    expect(await runCheck(local(server.port), grpcCheck())).toMatchObject({ ok: true, detail: 'grpc status SERVING' });
    server.setStatus('', 'NOT_SERVING');
    expect(await runCheck(local(server.port), grpcCheck())).toMatchObject({ ok: false, detail: 'grpc status NOT_SERVING' });
    server.setStatus('', 'UNKNOWN');
    expect(await runCheck(local(server.port), grpcCheck())).toMatchObject({ ok: false, detail: 'grpc status UNKNOWN' });
  });

  it('asks about the named service', async () => {
    const server = await grpcServer();
    server.setStatus('shop.Cart', 'SERVING');
    server.setStatus('shop.Payments', 'NOT_SERVING');
    expect(await runCheck(local(server.port), grpcCheck('shop.Cart'))).toMatchObject({ ok: true });
    expect(await runCheck(local(server.port), grpcCheck('shop.Payments'))).toMatchObject({ ok: false, detail: 'grpc status NOT_SERVING' });
  });

  it('fails an unknown service with the grpc-status the server sent', async () => {
    const server = await grpcServer();
    const result = await runCheck(local(server.port), grpcCheck('no.Such'));
    expect(result).toMatchObject({ ok: false, detail: 'grpc-status 5 (NOT_FOUND): unknown service no.Such' });
  });

  it('checks over TLS with the pool CA, and refuses an untrusted certificate unless insecure', async () => {
    const pair = makeCertificate('localhost');
    const cert = readFileSync(pair.cert, 'utf8');
    const server = await grpcServer({ cert: Buffer.from(cert), key: readFileSync(pair.key) });
    const trusted = await runCheck(local(server.port, { ca: cert, insecure: false, serverName: 'localhost' }), grpcCheck());
    expect(trusted).toMatchObject({ ok: true, detail: 'grpc status SERVING' });
    const untrusted = await runCheck(local(server.port, { ca: null, insecure: false, serverName: 'localhost' }), grpcCheck());
    expect(untrusted).toMatchObject({ ok: false, detail: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    const insecure = await runCheck(local(server.port, { ca: null, insecure: true, serverName: null }), grpcCheck());
    expect(insecure).toMatchObject({ ok: true });
    // h2c to a TLS port is no gRPC answer either.
    expect(await runCheck(local(server.port), grpcCheck())).toMatchObject({ ok: false });
  });
});

describe('gRPC health check against what is not a healthy gRPC server', () => {
  it('fails a plain HTTP/1.1 server', async () => {
    const server = createHttpServer((_request, response) => response.end('hello'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stops.push(() => server.close());
    const result = await runCheck(local((server.address() as { port: number }).port), grpcCheck());
    expect(result).toMatchObject({ ok: false, detail: 'http2 session error: Protocol error' });
  });

  it('fails a closed port', async () => {
    const result = await runCheck(local(await freePort()), grpcCheck());
    expect(result).toMatchObject({ ok: false, detail: 'ECONNREFUSED' });
  });

  it('fails a server that never answers, at the timeout', async () => {
    const port = await rawH2Server(() => undefined);
    const result = await runCheck(local(port), grpcCheck());
    expect(result).toMatchObject({ ok: false, detail: `timeout after ${TIMEOUT_MS} ms` });
    expect(result.durationMs).toBeLessThan(TIMEOUT_MS * 3);
  });

  it.each([
    [
      'an HTTP status other than 200',
      'http status 503',
      (stream: ServerHttp2Stream) => stream.respond({ ':status': 503 }, { endStream: true }),
    ],
    [
      'a trailers-only UNIMPLEMENTED with a percent-encoded message',
      'grpc-status 12 (UNIMPLEMENTED): no health here',
      (stream: ServerHttp2Stream) =>
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': 'no%20health%20here' },
          { endStream: true },
        ),
    ],
    ['no grpc-status at all', 'reply without grpc-status', replyWith(framed([0x08, 0x01]), {})],
    ['a compressed message', 'malformed reply: compressed message (the check accepts identity only)', replyWith(framed([0x08, 0x01], 1))],
    ['a truncated message', 'malformed reply: message of 2 bytes truncated', replyWith(framed([0x08, 0x01]).subarray(0, 6))],
    ['a truncated status varint', 'malformed reply: truncated varint', replyWith(framed([0x08, 0x81]))],
    ['two messages', 'malformed reply: more than one message', replyWith(Buffer.concat([framed([0x08, 0x01]), framed([0x08, 0x01])]))],
    ['no message', 'malformed reply: 0 body bytes, no message', replyWith(Buffer.alloc(0))],
    ['a reset stream', 'stream reset before a reply (INTERNAL_ERROR)', (stream: ServerHttp2Stream) => stream.close(2)],
  ])('fails %s', async (_name, detail, answer) => {
    const port = await rawH2Server(answer);
    expect(await runCheck(local(port), grpcCheck())).toMatchObject({ ok: false, detail });
  });

  it('skips unknown fields around the status, and the last status wins', async () => {
    // field 2 varint 300, field 3 "hi", status NOT_SERVING, field 4 fixed32, field 5 fixed64, status SERVING
    const message = [0x10, 0xac, 0x02, 0x1a, 0x02, 0x68, 0x69, 0x08, 0x02, 0x25, 1, 2, 3, 4, 0x29, 1, 2, 3, 4, 5, 6, 7, 8, 0x08, 0x01];
    const port = await rawH2Server(replyWith(framed(message)));
    expect(await runCheck(local(port), grpcCheck())).toMatchObject({ ok: true, detail: 'grpc status SERVING' });
  });

  it('reads a negative enum (ten varint bytes) as that number, not SERVING', async () => {
    const minusOne = [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    const port = await rawH2Server(replyWith(framed(minusOne)));
    expect(await runCheck(local(port), grpcCheck())).toMatchObject({ ok: false, detail: 'grpc status status -1' });
  });
});
