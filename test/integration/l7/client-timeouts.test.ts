// Slow clients in http mode: a reader or uploader that keeps making progress is served past uWS's own
// fixed ~10 s timer, one that goes silent is cut at FULCRUM_CLIENT_SEND_TIMEOUT / FULCRUM_CLIENT_BODY_TIMEOUT,
// and the access log records a cut transfer as cut. Real sockets on loopback, rates kept low and bounded.
// Both fronts: Fulcrum's own timeouts and access-log records are the same on each; the node front has no
// such fixed timer, so what is about outliving it runs on uWS only (or shorter on node).
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRONTS, type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';

/** Far more than a slow reader takes in a test: the origin only produces what the proxy drains. */
const DOWNLOAD_BYTES = 256 * 1024 * 1024;
const PIECE = Buffer.alloc(64 * 1024, 'd');
/** uWS 20.30 closes a connection 8-12 s after its timer is armed; a client served past this outlived it. */
const PAST_UWS_TIMER_MS = 13_500;
/** The node front has no timer of its own to outlive: long enough for a steady transfer that is not cut. */
const NODE_READ_MS = 2_000;

interface AccessLine {
  path: string;
  status: number;
  bytesSent: number;
  error: string | null;
}

function accessLines(proxy: L7Proxy): AccessLine[] {
  return proxy.process
    .output()
    .split('\n')
    .filter((line) => line.includes('"http request"'))
    .map((line) => JSON.parse(line) as AccessLine);
}

async function accessLine(proxy: L7Proxy, path: string, withinMs: number): Promise<AccessLine | undefined> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const found = accessLines(proxy).find((line) => line.path === path);
    if (found || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function open(port: number, head: string): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(head);
  return socket;
}

/** Resolves with how long the socket stayed open, or null if it was still open after `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<number | null> {
  const started = Date.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

describe.each(FRONTS)('slow clients ($name front)', (front) => {
  let origin: TestOrigin;
  let proxy: L7Proxy;

  beforeAll(async () => {
    origin = await startOrigin('slow', (request, response) => {
      if (request.url?.startsWith('/download')) {
        response.writeHead(200, { 'content-length': String(DOWNLOAD_BYTES) });
        let sent = 0;
        const pump = (): void => {
          while (sent < DOWNLOAD_BYTES && !response.destroyed) {
            sent += PIECE.length;
            if (!response.write(PIECE)) return void response.once('drain', pump);
          }
        };
        pump();
        return;
      }
      let received = 0;
      request.on('data', (chunk: Buffer) => (received += chunk.length));
      request.on('end', () => response.end(`received ${received}`));
    });
    proxy = await startL7Proxy({
      ...front.env,
      FULCRUM_BACKENDS: origin.address,
      FULCRUM_ACCESS_LOG: 'true',
      FULCRUM_CLIENT_SEND_TIMEOUT: '3s',
      FULCRUM_CLIENT_BODY_TIMEOUT: '2s',
    });
  });
  afterAll(async () => {
    await proxy?.stop();
    await origin?.close();
  });

  it('serves a download read at ~250 KB/s (on uWS past its timer), then logs it as cut by the client', async () => {
    const socket = open(proxy.port, 'GET /download HTTP/1.1\r\nHost: x\r\n\r\n');
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // ~250 KB/s: pause after each read for as long as that read is worth at this rate.
      socket.pause();
      setTimeout(() => socket.resume(), (chunk.length / (250 * 1024)) * 1000);
    });
    await new Promise((resolve) => setTimeout(resolve, front.name === 'uws' ? PAST_UWS_TIMER_MS : NODE_READ_MS));
    // Still in flight: a transfer cut by the proxy (the client would go on reading what the socket buffers
    // hold for a while) would already have its access-log line.
    expect(accessLines(proxy).filter((line) => line.path === '/download')).toEqual([]);
    expect(received).toBeGreaterThan(front.name === 'uws' ? 2 * 1024 * 1024 : 256 * 1024);
    socket.destroy();
    const line = await accessLine(proxy, '/download', 5_000);
    expect(line).toMatchObject({ status: 200, error: 'client-aborted' });
    expect(line?.bytesSent).toBeGreaterThan(received);
    expect(line?.bytesSent).toBeLessThan(DOWNLOAD_BYTES);
  }, 25_000);

  it('cuts a client that reads nothing at FULCRUM_CLIENT_SEND_TIMEOUT and logs client-send-timeout', async () => {
    const started = Date.now();
    const socket = open(proxy.port, 'GET /download-silent HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.pause();
    try {
      const line = await accessLine(proxy, '/download-silent', 8_000);
      expect(line).toMatchObject({ status: 200, error: 'client-send-timeout' });
      // 3 s of silence once the socket buffers filled (well under a second on loopback), plus the sweep's ticks;
      // uWS's own timer would have taken 8-12 s.
      expect(Date.now() - started).toBeLessThan(6_000);
      expect(line?.bytesSent).toBeLessThan(DOWNLOAD_BYTES);
    } finally {
      socket.destroy();
    }
  }, 15_000);

  // uWS only: about uWS's own timer (it wants 16 KB/s); node:http runs no timer mid-body (requestTimeout is off).
  it.runIf(front.name === 'uws')(
    'serves an upload sent at 12 KB/s past uWS timer (which wants 16 KB/s)',
    async () => {
      const seconds = 14;
      const socket = open(proxy.port, `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${seconds * 12 * 1024}\r\n\r\n`);
      let reply = '';
      const answered = new Promise<void>((resolve) =>
        socket.on('data', (chunk: Buffer) => {
          reply += chunk.toString();
          if (reply.includes('received')) resolve();
        }),
      );
      let sent = 0;
      const drip = setInterval(() => {
        socket.write(Buffer.alloc(12 * 1024, 'u'));
        if (++sent === seconds) clearInterval(drip);
      }, 1_000);
      const closedAfter = await Promise.race([answered.then(() => null), closedWithin(socket, (seconds + 3) * 1_000)]);
      clearInterval(drip);
      expect(closedAfter).toBeNull();
      expect(reply).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(reply).toContain(`received ${seconds * 12 * 1024}`);
      socket.destroy();
    },
    25_000,
  );

  it('answers 408 to a client whose body stops arriving for FULCRUM_CLIENT_BODY_TIMEOUT', async () => {
    const socket = open(proxy.port, 'POST /stalled-upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
    socket.write(Buffer.alloc(10_000, 'u'));
    let reply = '';
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString()));
    const closedAfter = await closedWithin(socket, 8_000);
    expect(closedAfter).not.toBeNull();
    expect(closedAfter).toBeLessThan(5_000);
    expect(reply).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(reply.toLowerCase()).toContain('x-fulcrum-error: client-body-timeout');
    expect(await accessLine(proxy, '/stalled-upload', 2_000)).toMatchObject({ status: 408, error: 'client-body-timeout' });
  }, 15_000);
});
