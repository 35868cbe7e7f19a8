// FULCRUM_MODE=udp: its settings, the checks it takes (udp:TEXT, dns:NAME, none by default), what it refuses,
// and the file's TCP and UDP listeners beside FULCRUM_LISTEN in tcp and udp mode.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { configRefusal } from '../../helpers/config-file.js';

const UDP = { FULCRUM_MODE: 'udp', FULCRUM_BACKENDS: '127.0.0.1:5301,127.0.0.1:5302' };

function load(env: Record<string, string>) {
  return loadConfig({ env, flags: new Map() });
}

function refusal(attempt: Record<string, string> | (() => unknown)): string {
  return configRefusal(typeof attempt === 'function' ? attempt : () => load(attempt));
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

describe('listeners in tcp and udp mode', () => {
  function withListeners(mode: 'tcp' | 'udp', lines: string[]) {
    const path = join(mkdtempSync(join(tmpdir(), 'fulcrum-l4-listeners-')), 'fulcrum.yaml');
    writeFileSync(path, ['listen: 127.0.0.1:5353', 'listeners:', ...lines.map((line) => `  - ${line}`), ''].join('\n'));
    return () => load({ FULCRUM_MODE: mode, FULCRUM_BACKENDS: '127.0.0.1:53', FULCRUM_CONFIG: path });
  }

  it('serves UDP beside TCP on the same port number, and more addresses of either', () => {
    const config = withListeners('tcp', ['{ listen: 127.0.0.1:5353, protocol: udp }', '{ listen: 127.0.0.1:5354, protocol: tcp }'])();
    expect(config.l4Listeners).toEqual([
      { address: { host: '127.0.0.1', port: 5353 }, transport: 'udp' },
      { address: { host: '127.0.0.1', port: 5354 }, transport: 'tcp' },
    ]);
    expect(config.listeners).toEqual([]);
  });

  it.each([
    [['{ listen: 127.0.0.1:5353, protocol: tcp }'], /tcp on this address is already FULCRUM_LISTEN \(tcp\); give it another port/],
    [
      ['{ listen: 0.0.0.0:6000, protocol: udp }', '{ listen: 127.0.0.1:6000, protocol: udp }'],
      /udp on this address is already .*listeners\[0\]/,
    ],
    [['{ listen: 127.0.0.1:6000 }'], /expected \{listen: HOST:PORT, protocol: tcp \| udp\}/],
    [['{ listen: 127.0.0.1:6000, protocol: sctp }'], /listeners\[0\]\.protocol.*expected one of: tcp, udp/],
  ])('refuses %j', (lines, message) => {
    expect(refusal(() => withListeners('tcp', lines)())).toMatch(message);
  });
});
