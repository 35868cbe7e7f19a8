// HTTP/2 details of the complete front (FULCRUM_PROTOCOLS=all): the SETTINGS it advertises, request
// and response trailers, big bodies both ways through its raised flow-control windows, and a client's RST_STREAM
// mid-response releasing the backend. h2c by prior knowledge against a real origin and the real binary.
import { createHash } from 'node:crypto';
import type { ClientHttp2Session } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h2Request, openH2Session } from '../../helpers/h2-client.js';
import { FrameType, RawH2Connection, SettingId, settingValue } from '../../helpers/h2-frames.js';
import { type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';

const BIG_BODY_BYTES = 8 * 1024 * 1024;
/** Loopback moves 8 MiB in well under a second; 64 KiB windows without updates in time would stall for good. */
const BIG_BODY_MS = 5_000;
const PIECE = Buffer.alloc(64 * 1024, 'd');

let origin: TestOrigin;
let proxy: L7Proxy;
let session: ClientHttp2Session;
/** Set when the origin saw the client side of /endless go away. */
let endlessAborted: (() => void) | null = null;
let endlessStarted: (() => void) | null = null;

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

beforeAll(async () => {
  origin = await startOrigin('streams', (request, response) => {
    if (request.url === '/download') {
      response.writeHead(200, { 'content-length': String(BIG_BODY_BYTES) });
      for (let sent = 0; sent < BIG_BODY_BYTES; sent += PIECE.length) response.write(PIECE);
      response.end();
      return;
    }
    if (request.url === '/with-trailers') {
      response.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-result, x-count' });
      response.write('body, then trailers');
      response.addTrailers({ 'x-result': 'ok', 'x-count': '2', 'content-length': '5' });
      response.end();
      return;
    }
    if (request.url === '/endless') {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      // Writes until the proxy drops the connection: only an abort ends this response.
      const pump = setInterval(() => response.write(PIECE), 20);
      endlessStarted?.();
      response.on('close', () => {
        clearInterval(pump);
        if (!response.writableFinished) endlessAborted?.();
      });
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      response.end(JSON.stringify({ bytes: body.length, sha256: sha256(body), trailers: request.trailers }));
    });
  });
  proxy = await startL7Proxy({ FULCRUM_PROTOCOLS: 'all', FULCRUM_BACKENDS: origin.address });
  session = await openH2Session(proxy.port);
});

afterAll(async () => {
  session?.destroy();
  await proxy?.stop();
  await origin?.close();
});

describe('SETTINGS', () => {
  it('advertises MAX_CONCURRENT_STREAMS 128, a 1 MiB stream window, and raises the connection window', async () => {
    const connection = await RawH2Connection.open(proxy.port);
    try {
      const settings = await connection.waitForFrame((f) => f.type === FrameType.SETTINGS && (f.flags & 0x1) === 0, 3_000);
      expect(settings).not.toBeNull();
      expect(settingValue(settings as NonNullable<typeof settings>, SettingId.MAX_CONCURRENT_STREAMS)).toBe(128);
      expect(settingValue(settings as NonNullable<typeof settings>, SettingId.INITIAL_WINDOW_SIZE)).toBe(1024 * 1024);
      const windowUpdate = await connection.waitForFrame((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 0, 3_000);
      // From the 65,535-byte default to 16 MiB.
      expect(windowUpdate?.payload.readUInt32BE(0)).toBe(16 * 1024 * 1024 - 65_535);
    } finally {
      connection.destroy();
    }
  });
});

describe('request trailers', () => {
  it('a body then trailers: the request is served and the whole body reaches the backend', async () => {
    const body = Buffer.from('body before trailers');
    const reply = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': '/trailers' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': sha256(body) }));
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve({ status, text: Buffer.concat(chunks).toString() }));
      stream.on('error', reject);
      stream.end(body);
    });
    expect(reply.status).toBe(200);
    const seen = JSON.parse(reply.text) as { bytes: number; sha256: string; trailers: Record<string, string> };
    expect([seen.bytes, seen.sha256]).toEqual([body.length, sha256(body)]);
    // The body goes upstream chunked (no content-length was sent), its trailers after the last chunk.
    expect(seen.trailers).toEqual({ 'x-checksum': sha256(body) });
  });
});

describe('response trailers', () => {
  it("passes a backend's trailer fields on as HTTP/2 trailers, without the ones a trailer may not carry", async () => {
    const reply = await new Promise<{ status: number; text: string; trailers: Record<string, unknown> }>((resolve, reject) => {
      const stream = session.request({ ':path': '/with-trailers' });
      let status = 0;
      let trailers: Record<string, unknown> = {};
      const chunks: Buffer[] = [];
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('trailers', (fields) => (trailers = { ...fields }));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve({ status, text: Buffer.concat(chunks).toString(), trailers }));
      stream.on('error', reject);
    });
    expect([reply.status, reply.text]).toEqual([200, 'body, then trailers']);
    expect(reply.trailers).toMatchObject({ 'x-result': 'ok', 'x-count': '2' });
    expect(reply.trailers).not.toHaveProperty('content-length');
  });
});

describe('big bodies', () => {
  it(`uploads ${BIG_BODY_BYTES / 1048576} MiB within ${BIG_BODY_MS} ms, every byte intact`, async () => {
    const body = Buffer.alloc(BIG_BODY_BYTES);
    for (let index = 0; index < body.length; index += 4096) body.writeUInt32BE(index, index);
    const startedAt = Date.now();
    const reply = await h2Request(session, { ':method': 'POST', ':path': '/upload' }, body, BIG_BODY_MS);
    console.log(`h2c upload of 8 MiB: ${Date.now() - startedAt} ms`);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body.toString())).toMatchObject({ bytes: BIG_BODY_BYTES, sha256: sha256(body) });
  });

  it(`downloads ${BIG_BODY_BYTES / 1048576} MiB within ${BIG_BODY_MS} ms`, async () => {
    const startedAt = Date.now();
    const reply = await h2Request(session, { ':path': '/download' }, undefined, BIG_BODY_MS);
    console.log(`h2c download of 8 MiB: ${Date.now() - startedAt} ms`);
    expect(reply.status).toBe(200);
    expect(reply.body.length).toBe(BIG_BODY_BYTES);
    expect(reply.body.equals(Buffer.alloc(BIG_BODY_BYTES, 'd'))).toBe(true);
  });
});

describe('a client RST_STREAM mid-response', () => {
  it('releases the backend: the origin sees its request aborted; the session carries on', async () => {
    const aborted = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5_000);
      endlessAborted = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    const started = new Promise<void>((resolve) => (endlessStarted = resolve));
    const stream = session.request({ ':path': '/endless' });
    stream.on('error', () => undefined);
    let received = 0;
    await new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= PIECE.length) resolve();
      });
    });
    await started;
    stream.close(0x8);
    expect(await aborted).toBe(true);
    expect((await h2Request(session, { ':path': '/after-reset' })).status).toBe(200);
  });
});
