// Floods on one HTTP/2 connection to the complete front (FULCRUM_PROTOCOLS=all): thousands of streams opened
// and reset at once ("rapid reset", CVE-2023-44487) and a header block that never ends (CONTINUATION flood,
// CVE-2024-27316 class). The flooding connection is closed, the backend is not flooded in its place, memory
// stays bounded, and other clients are served meanwhile. Counts and times are bounded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h2Get } from '../../helpers/h2-client.js';
import {
  continuationFrame,
  ErrorCode,
  FrameType,
  goAwayCode,
  headerBlock,
  headersFrame,
  RawH2Connection,
  requestHeaders,
  rstStreamFrame,
} from '../../helpers/h2-frames.js';
import { type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';

const RESET_STREAMS = 5_000;
const STREAMS_PER_WRITE = 100;
const FLOOD_MS = 5_000;
/** Far more than any sane header block; the flood stops here if the server has not stopped it first. */
const CONTINUATION_FRAMES = 20_000;
const CONTINUATION_PAYLOAD = 1024;
const MAX_RSS_GROWTH_BYTES = 32 * 1024 * 1024;

let origin: TestOrigin;
let proxy: L7Proxy;
/** Paths of the requests that reached the origin. */
const originPaths: string[] = [];

function originCount(path: string): number {
  return originPaths.filter((seen) => seen === path).length;
}

beforeAll(async () => {
  // The origin answers a little later, as a real one would: a reset that arrives meanwhile can still save it the work.
  origin = await startOrigin('flooded', (request, response) => {
    originPaths.push(request.url ?? '');
    setTimeout(() => response.end('ok'), 5);
  });
  proxy = await startL7Proxy({ FULCRUM_PROTOCOLS: 'all', FULCRUM_BACKENDS: origin.address });
});

afterAll(async () => {
  await proxy?.stop();
  await origin?.close();
});

/** Writes `frames` in bounded steps, waiting for the kernel buffer; stops early once the server closed. */
async function flood(connection: RawH2Connection, count: number, frameAt: (index: number) => Buffer, perWrite: number): Promise<number> {
  const deadline = Date.now() + FLOOD_MS;
  let sent = 0;
  while (sent < count && !connection.closed && Date.now() < deadline) {
    const batch: Buffer[] = [];
    for (let index = sent; index < Math.min(count, sent + perWrite); index++) batch.push(frameAt(index));
    sent += batch.length;
    if (!connection.send(Buffer.concat(batch))) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 500);
        connection.socket.once('drain', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
  return sent;
}

async function expectOthersServed(): Promise<void> {
  const replies = await Promise.all([h2Get(proxy.port, '/other-1'), h2Get(proxy.port, '/other-2')]);
  expect(replies.map((reply) => reply.status)).toEqual([200, 200]);
  expect(proxy.process.output()).not.toContain('fulcrum l7 worker');
  expect(proxy.process.child.exitCode).toBeNull();
}

describe('rapid reset (CVE-2023-44487)', () => {
  it(`${RESET_STREAMS} streams opened and reset on one connection: GOAWAY, the backend is spared, others are served`, async () => {
    const rssBefore = proxy.rssBytes();
    const connection = await RawH2Connection.open(proxy.port);
    const startedAt = Date.now();
    const block = headerBlock(requestHeaders('GET', '/reset'));
    // Each stream: HEADERS (END_STREAM) then RST_STREAM(CANCEL) right behind it, in the same write.
    const sent = await flood(
      connection,
      RESET_STREAMS,
      (index) => Buffer.concat([headersFrame(2 * index + 1, block, { endStream: true }), rstStreamFrame(2 * index + 1, ErrorCode.CANCEL)]),
      STREAMS_PER_WRITE,
    );
    const floodMs = Date.now() - startedAt;
    const others = expectOthersServed();
    const goAway = await connection.waitForFrame((f) => f.type === FrameType.GOAWAY, 5_000);
    await others;
    const closed = await connection.waitForClose(12_000);
    console.log(
      `rapid reset: ${sent} streams sent in ${floodMs} ms; GOAWAY ${goAway ? goAwayCode(goAway) : 'none'}; ` +
        `closed ${closed} after ${Date.now() - startedAt} ms; origin got ${originCount('/reset')} of them; RSS +${((proxy.rssBytes() - rssBefore) / 1048576).toFixed(1)} MiB`,
    );
    expect(goAway && goAwayCode(goAway)).not.toBe(ErrorCode.NO_ERROR);
    expect(closed).toBe(true);
    // A stream reset in the read that opened it is dropped before it is proxied.
    expect(originCount('/reset')).toBeLessThan(RESET_STREAMS / 50);
    expect(proxy.rssBytes() - rssBefore).toBeLessThan(MAX_RSS_GROWTH_BYTES);
    await expectOthersServed();
  }, 40_000);
});

describe('CONTINUATION flood (CVE-2024-27316 class)', () => {
  const cases = [
    { name: 'a header field per frame', payload: (index: number) => headerBlock([[`x-flood-${index}`, 'v'.repeat(CONTINUATION_PAYLOAD)]]) },
    { name: 'empty frames', payload: () => Buffer.alloc(0) },
  ];

  it.each(cases)(
    'HEADERS without END_HEADERS then CONTINUATION frames ($name): the connection is closed, memory stays bounded',
    async ({ payload }) => {
      const rssBefore = proxy.rssBytes();
      const connection = await RawH2Connection.open(proxy.port);
      connection.send(headersFrame(1, headerBlock(requestHeaders('GET', '/continued')), { endStream: true, endHeaders: false }));
      const sent = await flood(connection, CONTINUATION_FRAMES, (index) => continuationFrame(1, payload(index)), 64);
      const others = expectOthersServed();
      // Node may close the socket right after nghttp2's GOAWAY, or before the client read it.
      const closed = await connection.waitForClose(12_000);
      await others;
      const goAway = connection.frames.find((f) => f.type === FrameType.GOAWAY);
      const growth = proxy.rssBytes() - rssBefore;
      console.log(
        `CONTINUATION flood: ${sent} frames sent before the server stopped reading or closed; GOAWAY ` +
          `${goAway ? goAwayCode(goAway) : 'none'}; closed ${closed}; RSS +${(growth / 1048576).toFixed(1)} MiB`,
      );
      expect(closed).toBe(true);
      expect(sent).toBeLessThan(CONTINUATION_FRAMES);
      expect(growth).toBeLessThan(MAX_RSS_GROWTH_BYTES);
      expect(originCount('/continued')).toBe(0);
      await expectOthersServed();
    },
    40_000,
  );
});
