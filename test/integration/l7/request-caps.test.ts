// Concurrency caps through the real binary with 4 workers on both fronts: maxConnectionsPerIp (top level:
// one count per client address across routes) and a route's maxRequests, both exact across workers because
// the counts live in the native table every worker shares; over a cap 503 with X-Fulcrum-Error: capped; a
// finished request (or a closed WebSocket) gives its place back; another address has its own count.
import { createServer, Agent as HttpAgent, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { waitForStats } from '../../helpers/admin.js';
import { FRONTS, type L7Proxy, type Reply, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort } from '../../helpers/origins.js';

/** An origin that holds every response until the test lets it go, and serves WebSockets. */
async function startHoldingOrigin() {
  const held: ServerResponse[] = [];
  const server = createServer((_request, response) => held.push(response));
  const sockets = new WebSocketServer({ server });
  sockets.on('connection', (socket) => socket.on('message', (data) => socket.send(data)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    async heldCount(count: number) {
      await expect.poll(() => held.length, { timeout: 3_000 }).toBe(count);
    },
    releaseAll() {
      for (const response of held.splice(0)) response.end('done');
    },
    async close() {
      for (const socket of sockets.clients) socket.terminate();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Each request on its own connection from `localAddress`, so the workers share them out. */
function sendFrom(url: string, localAddress = '127.0.0.1'): Promise<Reply> {
  return send(url, { agent: new HttpAgent({ localAddress }) });
}

describe.each(FRONTS)('concurrency caps across 4 workers ($name front)', (front) => {
  let origin: Awaited<ReturnType<typeof startHoldingOrigin>>;
  let proxy: L7Proxy;
  let adminPort: number;

  beforeAll(async () => {
    origin = await startHoldingOrigin();
    adminPort = await freePort();
    proxy = await startL7Proxy(
      { ...front.env, FULCRUM_WORKERS: '4', FULCRUM_ADMIN_LISTEN: `127.0.0.1:${adminPort}` },
      {
        pools: { app: { backends: [origin.address] } },
        maxConnectionsPerIp: 3,
        routes: [
          { match: { pathPrefix: '/busy' }, pool: 'app', maxRequests: 2 },
          { match: { pathPrefix: '/' }, pool: 'app' },
        ],
      },
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await origin?.close();
  });

  it('lets exactly maxConnectionsPerIp requests of one address in flight, then answers 503; another address has its own', async () => {
    const pending = Array.from({ length: 8 }, () => sendFrom(`${proxy.url}/a`));
    await origin.heldCount(3);
    const other = sendFrom(`${proxy.url}/b`, '127.0.0.2');
    await origin.heldCount(4);
    origin.releaseAll();
    const statuses = (await Promise.all(pending)).map((reply) => reply.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(3);
    const refused = (await Promise.all(pending)).filter((reply) => reply.status === 503);
    expect(refused).toHaveLength(5);
    expect(refused[0]?.headers['x-fulcrum-error']).toBe('capped');
    expect((await other).status).toBe(200);
    // Finished requests gave their places back.
    const again = Array.from({ length: 3 }, () => sendFrom(`${proxy.url}/a`));
    await origin.heldCount(3);
    origin.releaseAll();
    expect((await Promise.all(again)).map((reply) => reply.status)).toEqual([200, 200, 200]);
    await waitForStats(
      adminPort,
      (stats) => (stats.dataPlane.access as unknown as Record<string, { capped: number }>).maxConnectionsPerIp?.capped === 5,
      3_000,
    );
  });

  it('caps a route’s requests in flight from every address with maxRequests', async () => {
    const pending = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'].map((address) => sendFrom(`${proxy.url}/busy`, address));
    await origin.heldCount(2);
    origin.releaseAll();
    const statuses = (await Promise.all(pending)).map((reply) => reply.status).sort();
    expect(statuses).toEqual([200, 200, 503, 503]);
  });

  it('counts an open WebSocket against its address until it closes', async () => {
    const url = `ws://127.0.0.1:${proxy.port}/socket`;
    const sockets = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const socket = new WebSocket(url, { localAddress: '127.0.0.5' });
        await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
        return socket;
      }),
    );
    expect((await sendFrom(`${proxy.url}/a`, '127.0.0.5')).status).toBe(503);
    const closed = sockets[0] as WebSocket;
    closed.close();
    await new Promise((resolve) => closed.once('close', resolve));
    // The proxy hears the close a moment after the client: retry until the place is free (bounded).
    let status = 0;
    for (let attempt = 0; attempt < 40 && status !== 200; attempt++) {
      let answered = false;
      const through = sendFrom(`${proxy.url}/a`, '127.0.0.5').finally(() => {
        answered = true;
      });
      while (!answered && origin.held.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      origin.releaseAll();
      status = (await through).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(200);
    for (const socket of sockets) socket.terminate();
  });
});
