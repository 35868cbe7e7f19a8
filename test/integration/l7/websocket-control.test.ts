// WebSocket control frames and closes through the binary, against a real `ws` origin that records what
// reaches it: pings and pongs both ways, and the close code each side sees when the other leaves.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { FRONTS, type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';

/** What one origin-side socket saw. */
interface OriginSide {
  socket: WebSocket;
  pings: string[];
  pongs: string[];
  closed: Promise<number>;
}

describe.each(FRONTS)('WebSocket control frames and closes ($name front)', (front) => {
  let server: WebSocketServer;
  let proxy: L7Proxy;
  let accepted: Array<(side: OriginSide) => void> = [];
  const clients: WebSocket[] = [];

  beforeAll(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    server.on('connection', (socket) => {
      const side: OriginSide = {
        socket,
        pings: [],
        pongs: [],
        closed: new Promise((resolve) => socket.once('close', (code) => resolve(code))),
      };
      socket.on('ping', (data) => side.pings.push(data.toString()));
      socket.on('pong', (data) => side.pongs.push(data.toString()));
      accepted.shift()?.(side);
    });
    const { port } = server.address() as { port: number };
    proxy = await startL7Proxy({ ...front.env, FULCRUM_BACKENDS: `127.0.0.1:${port}` });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.terminate();
    accepted = [];
  });
  afterAll(async () => {
    await proxy?.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A client through the proxy (answering pings only as `autoPong` says) and the origin's side of it. */
  async function connect(autoPong = true): Promise<{ client: WebSocket; origin: OriginSide }> {
    const originSide = new Promise<OriginSide>((resolve) => accepted.push(resolve));
    const client = new WebSocket(`ws://127.0.0.1:${proxy.port}/`, { autoPong });
    clients.push(client);
    await new Promise((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    return { client, origin: await originSide };
  }

  function closeCode(client: WebSocket): Promise<number> {
    return new Promise((resolve) => client.once('close', (code) => resolve(code)));
  }

  it("forwards the origin's pings to the client, and the client's own pong back", async () => {
    const { client, origin } = await connect(false);
    const pings: string[] = [];
    // A pong with its own payload shows the origin's pong came from the client, not from the proxy.
    client.on('ping', (data) => {
      pings.push(data.toString());
      client.pong(`client saw ${data}`);
    });
    origin.socket.ping('heartbeat-1');
    await expect.poll(() => origin.pongs, { timeout: 3_000 }).toEqual(['client saw heartbeat-1']);
    expect(pings).toEqual(['heartbeat-1']);
  });

  it("forwards the client's pings to the origin (uWS has already answered the client)", async () => {
    const { client, origin } = await connect();
    const pongs: string[] = [];
    client.on('pong', (data) => pongs.push(data.toString()));
    client.ping('are-you-there');
    await expect.poll(() => origin.pings, { timeout: 3_000 }).toEqual(['are-you-there']);
    expect(pongs[0]).toBe('are-you-there');
  });

  it('a client that vanishes without a close frame is reported to the origin as 1006, not 1000', async () => {
    const { client, origin } = await connect();
    client.terminate();
    expect(await origin.closed).toBe(1006);
  });

  it('a client that closes without a code is reported to the origin as 1005 (no status)', async () => {
    const { client, origin } = await connect();
    client.close();
    expect(await origin.closed).toBe(1005);
  });

  it("a client's close code reaches the origin", async () => {
    const { client, origin } = await connect();
    client.close(4001, 'bye');
    expect(await origin.closed).toBe(4001);
  });

  it('an origin that vanishes without a close frame is reported to the client as 1006, not 1000', async () => {
    const { client, origin } = await connect();
    const closed = closeCode(client);
    origin.socket.terminate();
    expect(await closed).toBe(1006);
  });

  it('an origin that closes without a code is reported to the client as 1005', async () => {
    const { client, origin } = await connect();
    const closed = closeCode(client);
    origin.socket.close();
    expect(await closed).toBe(1005);
  });
});
