// Upgrade requests on the complete front (FULCRUM_PROTOCOLS=all): a WebSocket is routed, picked and
// tunnelled byte for byte to a real `ws` origin; refusals (no route, no backend, backend down, CONNECT)
// come back as Fulcrum's own replies on the raw socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort } from '../../helpers/origins.js';
import { rawExchange } from '../../helpers/real-clients.js';

const upgradeTo = (path: string, host = 'chat.test'): string =>
  `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

describe('upgrades on the complete front', () => {
  let server: WebSocketServer;
  let proxy: L7Proxy;
  const seen: Array<{ url: string | undefined; forwardedFor: string | string[] | undefined }> = [];

  beforeAll(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    server.on('connection', (socket, request) => {
      seen.push({ url: request.url, forwardedFor: request.headers['x-forwarded-for'] });
      socket.on('message', (data, isBinary) => socket.send(isBinary ? data : `echo:${data}`, { binary: isBinary }));
    });
    const { port } = server.address() as { port: number };
    const deadPort = await freePort();
    proxy = await startL7Proxy(
      { FULCRUM_PROTOCOLS: 'all' },
      {
        pools: {
          chat: { backends: [`127.0.0.1:${port}`] },
          dead: { backends: [`127.0.0.1:${deadPort}`] },
        },
        routes: [
          { match: { pathPrefix: '/chat' }, pool: 'chat' },
          { match: { pathPrefix: '/dead' }, pool: 'dead' },
        ],
      },
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  it('tunnels a WebSocket to the routed backend, with X-Forwarded-For, text and binary both ways', async () => {
    const client = new WebSocket(`ws://127.0.0.1:${proxy.port}/chat/room?id=7`);
    await new Promise((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    const replies: string[] = [];
    const twoReplies = new Promise<void>((resolve) =>
      client.on('message', (data, isBinary) => {
        replies.push(isBinary ? `binary:${(data as Buffer).length}` : String(data));
        if (replies.length === 2) resolve();
      }),
    );
    client.send('hello');
    client.send(Buffer.alloc(300_000, 7));
    await twoReplies;
    expect(replies).toEqual(['echo:hello', 'binary:300000']);
    expect(seen.at(-1)).toEqual({ url: '/chat/room?id=7', forwardedFor: '127.0.0.1' });
    const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
    client.close(4001);
    expect(await closed).toBe(4001);
  });

  it('answers an upgrade with no route 404, and one to a backend that is down 502, then closes', async () => {
    const noRoute = await rawExchange(proxy.port, upgradeTo('/elsewhere'), 5_000);
    expect(noRoute.closed).toBe(true);
    expect(noRoute.received).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(noRoute.received).toContain('x-fulcrum-error: no-route');
    const down = await rawExchange(proxy.port, upgradeTo('/dead'), 5_000);
    expect(down.closed).toBe(true);
    expect(down.received).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(down.received).toContain('x-fulcrum-error: upstream-websocket-connect');
  });

  it('refuses CONNECT with 501 instead of dropping the connection', async () => {
    const reply = await rawExchange(proxy.port, 'CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n', 5_000);
    expect(reply.closed).toBe(true);
    expect(reply.received).toMatch(/^HTTP\/1\.1 501 Not Implemented\r\n/);
    expect(reply.received).toContain('x-fulcrum-error: connect-unsupported');
  });
});
