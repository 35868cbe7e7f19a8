// EventStreams (GET /events) over a real node:http server: frames once per interval, a client that goes
// away releases its timer, and a view that ends or throws closes the stream without escaping the timer.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStreams } from '../../../src/admin/event-stream.js';

const INTERVAL_MS = 20;
let server: Server | null = null;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = null;
});

async function serve(streams: EventStreams, view: () => unknown, failed: (error: unknown) => void = () => {}): Promise<string> {
  server = createServer((request, response) => streams.start(request, response, view, failed));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
}

/** Reads the stream until `frames` data frames arrived or it ended; returns their parsed data. */
async function readFrames(response: Response, frames: number): Promise<unknown[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  const seen: unknown[] = [];
  let buffer = '';
  while (seen.length < frames) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      seen.push(JSON.parse(buffer.slice(0, end).replace(/^data: /, '')));
      buffer = buffer.slice(end + 2);
    }
  }
  await reader.cancel();
  return seen;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('EventStreams', () => {
  it('sends a frame at once and then one per interval, as Server-Sent Events', async () => {
    const streams = new EventStreams(INTERVAL_MS);
    let tick = 0;
    const url = await serve(streams, () => ({ tick: tick++ }));
    const response = await fetch(url);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await readFrames(response, 3)).toEqual([{ tick: 0 }, { tick: 1 }, { tick: 2 }]);
  });

  it('releases the timer of a client that goes away (a closed tab)', async () => {
    const streams = new EventStreams(INTERVAL_MS);
    let views = 0;
    const url = await serve(streams, () => ++views);
    const aborter = new AbortController();
    const response = await fetch(url, { signal: aborter.signal });
    await readFrames(response, 1);
    expect(streams.open).toBe(1);
    aborter.abort();
    await until(() => streams.open === 0, 2_000);
    expect(streams.open).toBe(0);
    const viewsAfterClose = views;
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS * 5));
    expect(views).toBe(viewsAfterClose);
  });

  it('ends the stream when the view returns undefined (a rotated token) or throws', async () => {
    const streams = new EventStreams(INTERVAL_MS);
    let calls = 0;
    const failures: unknown[] = [];
    const url = await serve(
      streams,
      () => {
        calls++;
        if (calls === 2) return undefined;
        if (calls === 4) throw new Error('view broke');
        return { calls };
      },
      (error) => failures.push(error),
    );
    expect(await readFrames(await fetch(url), 5)).toEqual([{ calls: 1 }]);
    expect(await readFrames(await fetch(url), 5)).toEqual([{ calls: 3 }]);
    expect(failures).toEqual([new Error('view broke')]);
    await until(() => streams.open === 0, 2_000);
    expect(streams.open).toBe(0);
  });

  it('ends every stream on closeAll', async () => {
    const streams = new EventStreams(INTERVAL_MS);
    const url = await serve(streams, () => ({}));
    const reading = fetch(url).then((response) => readFrames(response, 1_000));
    await until(() => streams.open === 1, 2_000);
    streams.closeAll();
    expect(streams.open).toBe(0);
    expect((await reading).length).toBeGreaterThan(0);
  });
});
