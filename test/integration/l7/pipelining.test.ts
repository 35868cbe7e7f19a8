// HTTP/1.1 pipelining meets uWS 20.30, which refuses a request that arrives while the previous response
// is pending by closing the connection (README, "Known limitations"): no hang, no mixed-up responses, no leak.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForStats } from '../../helpers/admin.js';
import { type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort, startOrigin, type TestOrigin } from '../../helpers/origins.js';

describe('pipelined requests', () => {
  let slow: TestOrigin;
  let proxy: L7Proxy;
  let admin: number;

  beforeAll(async () => {
    // Slow enough that the first response is still pending when the second request is parsed.
    slow = await startOrigin('slow', (_request, response, origin) => setTimeout(() => response.end(origin.name), 200));
    admin = await freePort();
    proxy = await startL7Proxy({ FULCRUM_BACKENDS: slow.address, FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}` });
  });
  afterAll(async () => {
    await proxy?.stop();
    await slow?.close();
  });

  it('closes a connection that pipelines, releases the backend, and keeps serving others', async () => {
    const { received, ended } = await new Promise<{ received: string; ended: string }>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: proxy.port }, () =>
        socket.write('GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n'),
      );
      let text = '';
      const timer = setTimeout(() => resolve({ received: text, ended: 'still open after 3 s' }), 3_000);
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ received: text, ended: 'closed' });
      });
    });
    expect({ received, ended }).toEqual({ received: '', ended: 'closed' });
    // The pending first request was aborted: its backend pick is released (waitForStats throws if not).
    await waitForStats(admin, (stats) => stats.pools.default?.backends[0]?.activeConnections === 0, 2_000);
    expect(await send(`${proxy.url}/after`, { agent: false })).toMatchObject({ status: 200, body: 'slow' });
  });
});
