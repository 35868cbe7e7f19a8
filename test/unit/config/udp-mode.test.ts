// FULCRUM_MODE=udp: its settings, the checks it takes (udp:TEXT, dns:NAME, none by default), and what it refuses.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';

const UDP = { FULCRUM_MODE: 'udp', FULCRUM_BACKENDS: '127.0.0.1:5301,127.0.0.1:5302' };

function load(env: Record<string, string>) {
  return loadConfig({ env, flags: new Map() });
}

function refusal(env: Record<string, string>): string {
  try {
    load(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('FULCRUM_MODE=udp', () => {
  it('takes the UDP settings, with their defaults', () => {
    expect(load(UDP)).toMatchObject({ mode: 'udp', udpIdleTimeout: 30_000, udpResponses: 0, udpMaxFlows: 100_000, udpPerPacket: false });
    const tuned = load({
      ...UDP,
      FULCRUM_UDP_IDLE_TIMEOUT: '2s',
      FULCRUM_UDP_RESPONSES: '1',
      FULCRUM_UDP_MAX_FLOWS: '500',
      FULCRUM_UDP_PER_PACKET: 'true',
    });
    expect(tuned).toMatchObject({ udpIdleTimeout: 2_000, udpResponses: 1, udpMaxFlows: 500, udpPerPacket: true });
  });

  it('checks nothing by default (auto), a DNS name with dns:NAME, any reply with udp:TEXT', () => {
    expect(load(UDP).pools[0]?.healthCheck).toBeNull();
    expect(load({ ...UDP, FULCRUM_HEALTH_CHECK: 'dns:who.test.' }).pools[0]?.healthCheck).toMatchObject({
      kind: 'dns',
      datagram: { dnsName: 'who.test' },
    });
    expect(load({ ...UDP, FULCRUM_HEALTH_CHECK: 'udp:ping' }).pools[0]?.healthCheck).toMatchObject({
      kind: 'udp',
      datagram: { payload: 'ping', dnsName: null },
    });
  });

  it.each([
    [{ FULCRUM_HEALTH_CHECK: 'tcp' }, /FULCRUM_HEALTH_CHECK.*udp backends take no connection or HTTP request; use udp:TEXT/],
    [{ FULCRUM_HEALTH_CHECK: 'http:/' }, /use udp:TEXT \(any reply is up\), dns:NAME/],
    [{ FULCRUM_HEALTH_CHECK: 'dns:not a name' }, /expected dns:NAME with a domain name/],
    [{ FULCRUM_HASH_KEY: 'header:x-id', FULCRUM_ALGORITHM: 'consistent-hash' }, /udp mode can only hash on ip/],
    [{ FULCRUM_UPSTREAM_PROTOCOL: 'h2c' }, /udp mode relays bytes and speaks no HTTP upstream/],
    [{ FULCRUM_UDP_MAX_FLOWS: '0' }, /FULCRUM_UDP_MAX_FLOWS/],
    [{ FULCRUM_UDP_IDLE_TIMEOUT: '10ms' }, /FULCRUM_UDP_IDLE_TIMEOUT/],
  ])('refuses %j', (env, message) => {
    expect(refusal({ ...UDP, ...env })).toMatch(message);
  });

  it('refuses udp: and dns: checks outside udp mode', () => {
    expect(refusal({ FULCRUM_BACKENDS: '127.0.0.1:80', FULCRUM_HEALTH_CHECK: 'dns:who.test' })).toMatch(
      /udp: and dns: checks are for FULCRUM_MODE=udp/,
    );
  });
});
