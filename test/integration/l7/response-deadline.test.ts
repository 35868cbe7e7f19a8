// FULCRUM_RESPONSE_TIMEOUT is a deadline for the response head, counted from the request being sent:
// a backend that trickles its answer a byte at a time never goes silent, and must still get a 504.

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getStats } from '../../helpers/admin.js';
import { FRONTS, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort } from '../../helpers/origins.js';

const ANSWER = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Padding: trickled-one-byte-at-a-time\r\n\r\nok';

/** Answers every request head with ANSWER, one byte every `byteEveryMs`. */
async function trickler(byteEveryMs: number): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', () => {
      let sent = 0;
      const timer = setInterval(() => {
        if (socket.destroyed || sent === ANSWER.length) {
          clearInterval(timer);
          timers.delete(timer);
          return;
        }
        socket.write(ANSWER[sent++] as string, 'latin1');
      }, byteEveryMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearInterval(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe.each(FRONTS)('response-head deadline ($name front)', (front) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('answers 504 at the deadline to a backend that trickles its head, and counts it as a failure', async () => {
    // The whole answer would take ~95 bytes x 150 ms = 14 s; it is never silent for even 150 ms.
    const slow = await trickler(150);
    cleanups.push(() => slow.close());
    const admin = await freePort();
    const proxy = await startL7Proxy({
      ...front.env,
      FULCRUM_BACKENDS: slow.address,
      FULCRUM_RESPONSE_TIMEOUT: '1s',
      FULCRUM_RETRIES: '0',
      FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`,
    });
    cleanups.push(() => proxy.stop());
    const started = Date.now();
    const reply = await send(`${proxy.url}/`, { agent: false });
    const elapsed = Date.now() - started;
    expect([reply.status, reply.headers['x-fulcrum-error']]).toEqual([504, 'upstream-response-timeout']);
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    expect(elapsed).toBeLessThan(2_500);
    // The 504 is a failure of the backend, the signal passive ejection counts.
    const backend = (await getStats(admin)).pools.default?.backends[0];
    expect(backend?.failures).toBe(1);
  });

  it('still lets a body stream slowly after a prompt head: silence mid-response is the idle timeout', async () => {
    const admin = await freePort();
    const origin = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n');
        let sent = 0;
        const timer = setInterval(() => {
          socket.write('x');
          if (++sent === 6) clearInterval(timer);
        }, 300);
        socket.on('close', () => clearInterval(timer));
      });
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => origin.close(() => resolve())));
    const proxy = await startL7Proxy({
      ...front.env,
      FULCRUM_BACKENDS: `127.0.0.1:${(origin.address() as AddressInfo).port}`,
      FULCRUM_RESPONSE_TIMEOUT: '500ms',
      FULCRUM_UPSTREAM_IDLE_TIMEOUT: '1s',
      FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`,
    });
    cleanups.push(() => proxy.stop());
    const reply = await send(`${proxy.url}/`, { agent: false });
    expect([reply.status, reply.body]).toEqual([200, 'xxxxxx']);
  });
});
