// One active check against real sockets: its timeout bounds the whole check, connect and answer alike.
import { createServer, type Server } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import type { HealthCheckConfig } from '../../../src/config/types.js';
import { runCheck } from '../../../src/health/active-check.js';
import { startUnacceptingListener } from '../../helpers/l4-servers.js';

const TIMEOUT_MS = 400;
const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

function check(kind: 'tcp' | 'http'): HealthCheckConfig {
  const http =
    kind === 'http' ? { method: 'GET', path: '/', host: null, expectStatus: [[100, 499]] as [number, number][], expectBody: null } : null;
  return { kind, intervalMs: 1_000, fastIntervalMs: 250, timeoutMs: TIMEOUT_MS, rise: 1, fall: 1, http, grpc: null };
}

/** An HTTP backend that sends its answer one byte every 50 ms: never silent, never done in time. */
async function startTricklingBackend(): Promise<number> {
  const answer = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 40\r\n\r\n0123456789012345678901234567890123456789');
  const server: Server = createServer((socket) => {
    let sent = 0;
    const timer = setInterval(() => {
      if (sent >= answer.length || socket.destroyed) return clearInterval(timer);
      socket.write(answer.subarray(sent, sent + 1));
      sent++;
    }, 50);
    socket.on('close', () => clearInterval(timer));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stops.push(() => server.close());
  return (server.address() as { port: number }).port;
}

it('fails an http check whose answer trickles past the timeout', async () => {
  const port = await startTricklingBackend();
  const result = await runCheck({ host: '127.0.0.1', port }, check('http'));
  expect(result).toMatchObject({ ok: false, detail: `timeout after ${TIMEOUT_MS} ms` });
  expect(result.durationMs).toBeLessThan(TIMEOUT_MS * 3);
});

it.each(['http', 'tcp'] as const)('fails a %s check whose connect never completes', async (kind) => {
  const listener = await startUnacceptingListener();
  stops.push(listener.close);
  // Fill the listener's queue first, so the check's own SYN is the one dropped.
  const { connect } = await import('node:net');
  for (let index = 0; index < 4; index++) {
    const filler = connect(listener.port, '127.0.0.1');
    filler.on('error', () => undefined);
    stops.push(() => filler.destroy());
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  const result = await runCheck({ host: '127.0.0.1', port: listener.port }, check(kind));
  expect(result).toMatchObject({ ok: false, detail: `timeout after ${TIMEOUT_MS} ms` });
  expect(result.durationMs).toBeLessThan(TIMEOUT_MS * 3);
});

it('passes an http check that answers in time', async () => {
  const server = createServer((socket) => socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stops.push(() => server.close());
  const result = await runCheck({ host: '127.0.0.1', port: (server.address() as { port: number }).port }, check('http'));
  expect(result).toMatchObject({ ok: true, detail: 'status 404' });
});
