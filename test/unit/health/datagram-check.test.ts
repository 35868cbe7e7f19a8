// udp mode's active checks against real loopback UDP servers: a plain datagram and any reply, a DNS
// query judged by its reply, a closed port (ICMP unreachable), and a server that never answers.
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthCheckConfig } from '../../../src/config/types.js';
import { runCheck } from '../../../src/health/active-check.js';
import { dnsQuery, judgeDnsReply } from '../../../src/health/datagram-check.js';

const servers: Socket[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A UDP server on loopback that answers each datagram with what `answer` returns (null: silence). */
async function udpServer(answer: (datagram: Buffer) => Buffer | null): Promise<number> {
  const server = createSocket('udp4');
  servers.push(server);
  server.on('message', (datagram, from) => {
    const reply = answer(datagram);
    if (reply !== null) server.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  return server.address().port;
}

/** The reply header a DNS server would send to `query`, with `rcode` and one answer. */
function dnsAnswer(query: Buffer, rcode: number): Buffer {
  const reply = Buffer.from(query);
  reply.writeUInt16BE(0x8180 | rcode, 2);
  reply.writeUInt16BE(1, 6);
  return reply;
}

function check(kind: 'udp' | 'dns', payload: string, dnsName: string | null): HealthCheckConfig {
  return {
    kind,
    intervalMs: 1_000,
    fastIntervalMs: 250,
    timeoutMs: 300,
    rise: 1,
    fall: 1,
    http: null,
    grpc: null,
    datagram: { payload, dnsName },
  };
}

describe('datagram checks', () => {
  it('udp: any reply to the payload is up', async () => {
    let seen = '';
    const port = await udpServer((datagram) => {
      seen = datagram.toString();
      return Buffer.from('pong');
    });
    const result = await runCheck({ host: '127.0.0.1', port }, check('udp', 'ping', null));
    expect(result).toMatchObject({ ok: true, detail: 'reply of 4 bytes' });
    expect(seen).toBe('ping');
  });

  it('dns: NOERROR is up, NXDOMAIN is down, and the query asks for the name', async () => {
    let asked: Buffer = Buffer.alloc(0);
    const good = await udpServer((query) => {
      asked = query;
      return dnsAnswer(query, 0);
    });
    expect(await runCheck({ host: '127.0.0.1', port: good }, check('dns', '', 'who.test'))).toMatchObject({
      ok: true,
      detail: 'dns NOERROR, 1 answer',
    });
    expect(asked.subarray(12).toString('latin1')).toContain('\x03who\x04test\x00');
    const missing = await udpServer((query) => dnsAnswer(query, 3));
    expect(await runCheck({ host: '127.0.0.1', port: missing }, check('dns', '', 'who.test'))).toMatchObject({
      ok: false,
      detail: 'dns NXDOMAIN',
    });
  });

  it('a closed port is down at once (ECONNREFUSED), a silent server at the timeout', async () => {
    const closed = await udpServer(() => null);
    servers.pop()?.close();
    const refused = await runCheck({ host: '127.0.0.1', port: closed }, check('udp', 'ping', null));
    expect(refused).toMatchObject({ ok: false, detail: 'ECONNREFUSED' });
    expect(refused.durationMs).toBeLessThan(250);
    const silent = await udpServer(() => null);
    expect(await runCheck({ host: '127.0.0.1', port: silent }, check('udp', 'ping', null))).toMatchObject({
      ok: false,
      detail: 'timeout after 300 ms',
    });
  });

  it('judges a DNS reply to another query, or one too short, as down', () => {
    const query = dnsQuery(7, 'a.test');
    expect(judgeDnsReply(8, dnsAnswer(query, 0))).toEqual([false, 'dns reply to another query (id mismatch)']);
    expect(judgeDnsReply(7, Buffer.alloc(5))).toEqual([false, 'malformed dns reply: 5 bytes']);
    expect(judgeDnsReply(7, query)).toEqual([false, 'malformed dns reply: not a response']);
  });
});
