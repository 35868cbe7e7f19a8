// The per-worker upstream pool against a real keep-alive origin: what a reused connection carries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exchange } from '../../../src/l7/upstream/connection.js';
import type { UpstreamLink } from '../../../src/l7/upstream/link.js';
import { UpstreamPool } from '../../../src/l7/upstream/pool.js';
import type { UpstreamError } from '../../../src/l7/upstream/upstream-error.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';

interface Outcome {
  status: number;
  body: string;
  error: string | null;
}

/** Runs one GET on a connection from the pool; `onBody` sees the connection so it can act like a slow client. */
function exchange(pool: UpstreamPool, onBody: (connection: UpstreamLink) => void = () => {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const outcome: Outcome = { status: 0, body: '', error: null };
    pool.acquire({
      onAcquired(error, connection) {
        if (error || !connection) return resolve({ ...outcome, error: error?.message ?? 'no connection' });
        const handlers: Exchange = {
          corked: (work) => work(),
          onHead: (head) => (outcome.status = head.status),
          onBody: (chunk) => {
            outcome.body += chunk.toString();
            onBody(connection);
          },
          onComplete: () => resolve(outcome),
          onError: (failure: UpstreamError) => resolve({ ...outcome, error: failure.failure }),
        };
        connection.begin(handlers, 'GET / HTTP/1.1\r\nhost: origin\r\n\r\n', false, false);
      },
    });
  });
}

describe('upstream pool', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await startOrigin('pooled');
  });
  afterAll(async () => {
    await origin?.close();
  });

  it('hands a connection back flowing even when the last read of its response paused it', async () => {
    const pool = new UpstreamPool({
      host: '127.0.0.1',
      port: origin.port,
      maxSockets: 1,
      connectTimeoutMs: 1_000,
      timeouts: { responseMs: 1_000, idleMs: 5_000 },
    });
    // A client too slow for the body pauses the upstream socket; the response completes in that same read.
    const first = await exchange(pool, (connection) => connection.socket.pause());
    const second = await exchange(pool);
    pool.close();
    expect(first).toEqual({ status: 200, body: 'pooled', error: null });
    expect(second).toEqual({ status: 200, body: 'pooled', error: null });
    expect(pool.opened).toBe(1);
  });
});
