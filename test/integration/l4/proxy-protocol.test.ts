// PROXY protocol through the native TCP proxy: the v1/v2 header sent to backends, and headers accepted from a trusted front.
import { afterEach, describe, expect, it } from 'vitest';
import { connectTo, connectWriteAndWaitForEnd, eventually, waitForEnd } from '../../helpers/l4-client.js';
import { startTestProxy, type TestProxy } from '../../helpers/l4-proxy.js';
import { startRecordingBackend } from '../../helpers/l4-servers.js';

const v2Signature = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

function v2Header(source: number[], destination: number[], sourcePort: number, destinationPort: number): Buffer {
  const header = Buffer.alloc(28);
  v2Signature.copy(header, 0);
  header[12] = 0x21; // version 2, PROXY
  header[13] = 0x11; // TCP over IPv4
  header.writeUInt16BE(12, 14);
  Buffer.from(source).copy(header, 16);
  Buffer.from(destination).copy(header, 20);
  header.writeUInt16BE(sourcePort, 24);
  header.writeUInt16BE(destinationPort, 26);
  return header;
}

/** The v2 header above, grown to `totalLength` bytes with NOOP TLVs (type 0x04), as fronts that add TLVs send. */
function v2HeaderWithTlvs(totalLength: number): Buffer {
  const base = v2Header([192, 0, 2, 9], [198, 51, 100, 7], 40000, 8443);
  const tlvs: Buffer[] = [];
  let room = totalLength - base.length;
  while (room > 0) {
    const valueLength = Math.min(room - 3, 4096);
    const tlv = Buffer.alloc(3 + valueLength, 0x61);
    tlv[0] = 0x04;
    tlv.writeUInt16BE(valueLength, 1);
    tlvs.push(tlv);
    room -= tlv.length;
  }
  const header = Buffer.concat([base, ...tlvs]);
  header.writeUInt16BE(header.length - 16, 14);
  return header;
}

describe('l4 PROXY protocol', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function setUp(options: Parameters<typeof startTestProxy>[2]): Promise<{ proxy: TestProxy; received: Buffer[] }> {
    const backend = await startRecordingBackend();
    cleanups.push(() => backend.close());
    const proxy = await startTestProxy([backend.address], 'round-robin', options);
    cleanups.push(() => proxy.close());
    return { proxy, received: backend.received };
  }
  async function send(port: number, data: Buffer | string): Promise<number> {
    const client = await connectTo(port);
    const clientPort = client.localPort!;
    client.end(data);
    expect(await waitForEnd(client, 5_000)).toBe('end');
    return clientPort;
  }

  it('sends a v1 header naming the client and the address it connected to', async () => {
    const { proxy, received } = await setUp({ proxyProtocol: 'v1' });
    const clientPort = await send(proxy.port, 'payload');
    expect(await eventually(() => received.length === 1, 2_000)).toBe(true);
    expect(received[0]!.toString()).toBe(`PROXY TCP4 127.0.0.1 127.0.0.1 ${clientPort} ${proxy.port}\r\npayload`);
  });

  it('sends a v2 header', async () => {
    const { proxy, received } = await setUp({ proxyProtocol: 'v2' });
    const clientPort = await send(proxy.port, 'payload');
    expect(await eventually(() => received.length === 1, 2_000)).toBe(true);
    const expected = Buffer.concat([v2Header([127, 0, 0, 1], [127, 0, 0, 1], clientPort, proxy.port), Buffer.from('payload')]);
    expect(received[0]!.toString('hex')).toBe(expected.toString('hex'));
  });

  it('accepts a v1 header from the front and passes its addresses on', async () => {
    const { proxy, received } = await setUp({ acceptProxyProtocol: true, proxyProtocol: 'v1' });
    await send(proxy.port, 'PROXY TCP4 192.0.2.1 198.51.100.2 5555 443\r\nhello');
    expect(await eventually(() => received.length === 1, 2_000)).toBe(true);
    expect(received[0]!.toString()).toBe('PROXY TCP4 192.0.2.1 198.51.100.2 5555 443\r\nhello');
  });

  it('accepts a v2 header from the front and strips it when sending none', async () => {
    const { proxy, received } = await setUp({ acceptProxyProtocol: true });
    await send(proxy.port, Buffer.concat([v2Header([192, 0, 2, 9], [198, 51, 100, 7], 40000, 8443), Buffer.from('body')]));
    expect(await eventually(() => received.length === 1, 2_000)).toBe(true);
    expect(received[0]!.toString()).toBe('body');
  });

  it('accepts a v2 header and re-sends its addresses as v1', async () => {
    const { proxy, received } = await setUp({ acceptProxyProtocol: true, proxyProtocol: 'v1' });
    await send(proxy.port, Buffer.concat([v2Header([192, 0, 2, 9], [198, 51, 100, 7], 40000, 8443), Buffer.from('body')]));
    expect(await eventually(() => received.length === 1, 2_000)).toBe(true);
    expect(received[0]!.toString()).toBe('PROXY TCP4 192.0.2.9 198.51.100.7 40000 8443\r\nbody');
  });

  // 536 bytes was the old limit; 4096 is NGINX's; 65551 is all the format can express (16 + a 16-bit length).
  it.each([537, 4096, 65551])('accepts a v2 header of %i bytes with TLVs, sent in two pieces', async (headerLength) => {
    const { proxy, received } = await setUp({ acceptProxyProtocol: true, proxyProtocol: 'v1' });
    const header = v2HeaderWithTlvs(headerLength);
    expect(header.length).toBe(headerLength);
    const client = await connectTo(proxy.port);
    const ending = waitForEnd(client, 5_000);
    client.write(header.subarray(0, headerLength - 100));
    await new Promise((resolve) => setTimeout(resolve, 50)); // a gap, so the proxy peeks an incomplete header first
    client.end(Buffer.concat([header.subarray(headerLength - 100), Buffer.from('body')]));
    expect(await ending).toBe('end');
    expect(await eventually(() => received.length === 1, 2_000)).toBe(true);
    expect(received[0]!.toString()).toBe('PROXY TCP4 192.0.2.9 198.51.100.7 40000 8443\r\nbody');
    expect(proxy.stats().proxyHeaderErrors).toBe(0);
  });

  it('refuses a v2 header cut short by the end of the connection at once, not at the 2 s handshake timeout', async () => {
    const { proxy, received } = await setUp({ acceptProxyProtocol: true });
    const header = v2HeaderWithTlvs(65551);
    const client = await connectTo(proxy.port);
    const ending = waitForEnd(client, 1_500);
    client.end(header.subarray(0, 65550));
    expect(await ending).toBe('reset');
    expect(proxy.stats().proxyHeaderErrors).toBe(1);
    expect(received).toEqual([]);
  });

  it('refuses a connection whose header is malformed, and counts it', async () => {
    const { proxy, received } = await setUp({ acceptProxyProtocol: true });
    expect(await connectWriteAndWaitForEnd(proxy.port, 'GET / HTTP/1.1\r\n\r\n', 5_000)).toBe('reset');
    expect(proxy.stats().proxyHeaderErrors).toBe(1);
    expect(received).toEqual([]);
  });
});
