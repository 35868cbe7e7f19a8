// The UDP game servers and clients that UDP tests build on: tagged echoes, counts, many source ports, a kill.
import { afterEach, describe, expect, it } from 'vitest';
import {
  MAX_UDP_PAYLOAD,
  openUdpClient,
  openUdpClients,
  readTaggedReply,
  startUdpEchoServer,
  type UdpEchoServer,
} from '../../helpers/udp-servers.js';

describe('UDP echo game server', () => {
  const started: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((thing) => thing.close()));
  });
  const server = async (id: string): Promise<UdpEchoServer> => {
    const echo = await startUdpEchoServer(id);
    started.push({ close: echo.kill });
    return echo;
  };

  it('echoes each datagram tagged with its id, from its own port, and counts datagrams and clients', async () => {
    const [alpha, beta] = [await server('alpha'), await server('beta')];
    const clients = await openUdpClients(5);
    started.push(...clients);
    for (const client of clients) {
      for (const [index, target] of [alpha, beta, alpha].entries()) {
        const reply = await client.request(target.port, `tick ${index}`);
        expect(readTaggedReply(reply.payload)).toEqual({ serverId: target.id, payload: Buffer.from(`tick ${index}`) });
        expect(reply.from).toEqual({ address: '127.0.0.1', port: target.port });
      }
    }
    expect(new Set(clients.map((client) => client.port)).size).toBe(5);
    expect(alpha.datagrams()).toBe(10);
    expect(beta.datagrams()).toBe(5);
    expect(alpha.clients()).toEqual(new Set(clients.map((client) => `127.0.0.1:${client.port}`)));
  });

  it('answers an empty datagram, and a 65,507-byte one with a 65,507-byte reply (the echo cut to fit the tag)', async () => {
    const echo = await server('big');
    const client = await openUdpClient();
    started.push(client);
    expect(readTaggedReply((await client.request(echo.port, Buffer.alloc(0))).payload)).toEqual({
      serverId: 'big',
      payload: Buffer.alloc(0),
    });
    const largest = Buffer.alloc(MAX_UDP_PAYLOAD, 7);
    const reply = (await client.request(echo.port, largest)).payload;
    expect(reply.length).toBe(MAX_UDP_PAYLOAD);
    expect(readTaggedReply(reply).payload.equals(largest.subarray(0, MAX_UDP_PAYLOAD - 'big|'.length))).toBe(true);
  });

  it('answers nothing once killed: the client times out', async () => {
    const echo = await server('doomed');
    const client = await openUdpClient();
    started.push(client);
    await client.request(echo.port, 'alive?');
    await echo.kill();
    await expect(client.request(echo.port, 'still there?', 200)).rejects.toThrow(/no UDP reply/);
    expect(echo.datagrams()).toBe(1);
  });
});
