// 200 MB bodies both ways through the binary, with content-length and chunked, while its memory stays flat;
// and chunked bodies delivered byte for byte to slow clients.
import { createHash } from 'node:crypto';
import { type IncomingMessage, request, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRONTS, type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';

const TOTAL = 200 * 1024 * 1024;
const CHUNK = Buffer.alloc(256 * 1024, 'x');
/** Flat means well under the body size: the proxy may hold socket buffers, never the body. */
const MAX_RSS_GROWTH = 100 * 1024 * 1024;

/** `piece` repeated up to `total` bytes, the last slice cut short. */
function* repeated(piece: Buffer, total: number): Generator<Buffer> {
  for (let sent = 0; sent < total; sent += piece.length) yield piece.subarray(0, Math.min(piece.length, total - sent));
}

/** Writes `piece` repeated up to `total` bytes to a writable, waiting for 'drain' whenever it says so. */
async function pump(target: NodeJS.WritableStream & { write(chunk: Buffer): boolean }, piece: Buffer, total: number): Promise<void> {
  for (const slice of repeated(piece, total)) {
    if (!target.write(slice)) await new Promise((resolve) => target.once('drain', resolve));
  }
}

/**
 * Chunks a little over uWS's 16 KiB cork buffer, so most reads hand the proxy a small piece and a big one:
 * the pattern that made uWS 20.30 drop a chunk's data when the client's socket filled (uWebSockets.js#1249).
 */
const PIECE = Buffer.from(Array.from({ length: 20_000 }, (_, index) => index % 251));
const PIECES_TOTAL = 64 * 1024 * 1024;
const PIECES_SHA256 = (() => {
  const hash = createHash('sha256');
  for (const slice of repeated(PIECE, PIECES_TOTAL)) hash.update(slice);
  return hash.digest('hex');
})();

/** Reads a download while pausing now and then, as a client on a slower link does; resolves with its SHA-256. */
function slowDownload(url: string): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (response) => {
      const hash = createHash('sha256');
      let bytes = 0;
      let reads = 0;
      response.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
        if (++reads % 20 === 0) {
          response.pause();
          setTimeout(() => response.resume(), 1);
        }
      });
      response.on('end', () => resolve({ bytes, sha256: hash.digest('hex') }));
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

function origin(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://x');
  if (url.pathname === '/pieces') {
    response.writeHead(200, url.searchParams.has('sized') ? { 'content-length': String(PIECES_TOTAL) } : {});
    void pump(response, PIECE, PIECES_TOTAL).then(() => response.end());
    return;
  }
  if (url.pathname === '/download') {
    const chunked = url.searchParams.has('chunked');
    response.writeHead(200, chunked ? {} : { 'content-length': String(TOTAL) });
    void pump(response, CHUNK, TOTAL).then(() => response.end());
    return;
  }
  let received = 0;
  request.on('data', (chunk: Buffer) => (received += chunk.length));
  request.on('end', () => response.end(JSON.stringify({ received, chunked: request.headers['transfer-encoding'] === 'chunked' })));
}

describe.each(FRONTS)('streaming large bodies ($name front)', (front) => {
  let backend: TestOrigin;
  let proxy: L7Proxy;
  let baselineRss = 0;

  beforeAll(async () => {
    backend = await startOrigin('stream', origin);
    proxy = await startL7Proxy({ ...front.env, FULCRUM_BACKENDS: backend.address });
    await send(`${proxy.url}/warm`, { method: 'POST', body: 'warm' });
    baselineRss = proxy.rssBytes();
  });
  afterAll(async () => {
    await proxy?.stop();
    await backend?.close();
  });

  it.each([false, true])('downloads 200 MB (chunked: %s) with flat memory', async (chunked) => {
    const { received, encoding } = await new Promise<{ received: number; encoding: string | undefined }>((resolve, reject) => {
      request(`${proxy.url}/download${chunked ? '?chunked' : ''}`, { agent: false }, (response) => {
        let count = 0;
        response.on('data', (chunk: Buffer) => (count += chunk.length));
        response.on('end', () => resolve({ received: count, encoding: response.headers['transfer-encoding'] }));
        response.on('error', reject);
      })
        .on('error', reject)
        .end();
    });
    expect(received).toBe(TOTAL);
    expect(encoding).toBe(chunked ? 'chunked' : undefined);
    expect(proxy.rssBytes() - baselineRss).toBeLessThan(MAX_RSS_GROWTH);
  });

  it.each([false, true])('uploads 200 MB (chunked: %s) with flat memory', async (chunked) => {
    const reply = await new Promise<string>((resolve, reject) => {
      const headers: Record<string, string> = chunked ? {} : { 'content-length': String(TOTAL) };
      const outgoing = request(`${proxy.url}/upload`, { method: 'POST', headers, agent: false }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve(body));
      });
      outgoing.on('error', reject);
      void pump(outgoing, CHUNK, TOTAL).then(() => outgoing.end());
    });
    expect(JSON.parse(reply)).toEqual({ received: TOTAL, chunked });
    expect(proxy.rssBytes() - baselineRss).toBeLessThan(MAX_RSS_GROWTH);
  });

  it.each([true, false])('delivers downloads (chunked: %s) byte for byte to four slow clients at once', async (chunked) => {
    const downloads = await Promise.all(Array.from({ length: 4 }, () => slowDownload(`${proxy.url}/pieces${chunked ? '' : '?sized'}`)));
    for (const download of downloads) expect(download).toEqual({ bytes: PIECES_TOTAL, sha256: PIECES_SHA256 });
  });
});
