// DNS-named backends in the config: dns+a:// and dns+srv:// entries, the FULCRUM_DNS_* settings, and what is refused.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { scaleSrvWeights } from '../../../src/discovery/dns-lookup.js';
import { configRefusal } from '../../helpers/config-file.js';

function load(env: Record<string, string>) {
  return loadConfig({ env, flags: new Map() });
}

describe('dns+ backends', () => {
  it.each([
    ['dns+a://web.internal:8080', { kind: 'a', name: 'web.internal', port: 8080 }, 1],
    ['dns+a://Web.Internal.:8080*3', { kind: 'a', name: 'web.internal', port: 8080 }, 3],
    ['DNS+SRV://_http._tcp.web.service.consul', { kind: 'srv', name: '_http._tcp.web.service.consul', port: null }, 1],
    ['dns+srv://web.service.consul', { kind: 'srv', name: 'web.service.consul', port: null }, 1],
  ])('%s', (entry, dns, weight) => {
    const [backend] = load({ FULCRUM_BACKENDS: entry }).pools[0]?.backends ?? [];
    expect(backend?.dns).toMatchObject(dns);
    expect(backend?.weight).toBe(weight);
  });

  it('mixes with static backends, in the env and in a file', () => {
    const config = load({ FULCRUM_BACKENDS: '127.0.0.1:9001,dns+a://web.internal:80' });
    expect(config.pools[0]?.backends.map((backend) => backend.dns?.url ?? backend.address)).toEqual([
      '127.0.0.1:9001',
      'dns+a://web.internal:80',
    ]);
  });

  it.each([
    [
      'dns+a://web.internal',
      'FULCRUM_BACKENDS="dns+a://web.internal" is invalid: entry "dns+a://web.internal": "dns+a://web.internal" has no port',
    ],
    ['dns+a://web.internal:0', 'port 0 in "dns+a://web.internal:0" is out of range'],
    ['dns+a://10.0.0.1:80', '"dns+a://10.0.0.1:80" names an IP address; write the backend as ip:port, without dns+'],
    ['dns+srv://_http._tcp.web:80', '"dns+srv://_http._tcp.web:80": SRV records give the ports; drop the ":port"'],
    ['dns+srv://_http._tcp.web*2', 'SRV records give the weights; drop "*2"'],
    [
      'dns+aaaa://web:80',
      '"dns+aaaa://web:80" is not a DNS backend; expected dns+a://name:port[*WEIGHT] or dns+srv://_service._proto.name',
    ],
    ['dns+a://we b:80', '"we b" in "dns+a://we b:80" is not a DNS name'],
    ['dns+a://web:80*0', 'weight "0" is not allowed'],
    ['dns+a://web:80,dns+a://WEB:80', 'pool "default" lists this backend already (entry 0)'],
  ])('refuses %s', (entry, message) => {
    expect(configRefusal(() => load({ FULCRUM_BACKENDS: entry }))).toContain(message);
  });
});

describe('FULCRUM_DNS_* settings', () => {
  it('takes servers with ports and TTL bounds', () => {
    const config = load({
      FULCRUM_BACKENDS: '127.0.0.1:1',
      FULCRUM_DNS_SERVERS: '127.0.0.1:5353, [::1]:53,10.0.0.2',
      FULCRUM_DNS_MIN_TTL: '2s',
      FULCRUM_DNS_MAX_TTL: '1m',
    });
    expect(config).toMatchObject({ dnsServers: ['127.0.0.1:5353', '[::1]:53', '10.0.0.2'], dnsMinTtl: 2_000, dnsMaxTtl: 60_000 });
  });

  it('defaults to the system resolver, 1 s and 5 min', () => {
    expect(load({ FULCRUM_BACKENDS: '127.0.0.1:1' })).toMatchObject({ dnsServers: [], dnsMinTtl: 1_000, dnsMaxTtl: 300_000 });
  });

  it.each([
    [{ FULCRUM_DNS_SERVERS: 'dns.google' }, '"dns.google" is not an IP address with an optional port'],
    [{ FULCRUM_DNS_SERVERS: '127.0.0.1:70000' }, 'port 70000 of "127.0.0.1:70000" is out of range'],
    [{ FULCRUM_DNS_SERVERS: '[127.0.0.1]:53' }, '"[127.0.0.1]:53" is not an IP address'],
    [{ FULCRUM_DNS_SERVERS: '127.0.0.1:53,' }, '"" is not an IP address'],
    [
      { FULCRUM_DNS_MIN_TTL: '10m', FULCRUM_DNS_MAX_TTL: '1m' },
      'is above dnsMaxTtl (1m); raise FULCRUM_DNS_MAX_TTL or lower FULCRUM_DNS_MIN_TTL',
    ],
  ])('refuses %o', (env, message) => {
    expect(configRefusal(() => load({ FULCRUM_BACKENDS: '127.0.0.1:1', ...env }))).toContain(message);
  });
});

describe('SRV weights into 1..256', () => {
  it.each([
    [
      [10, 30],
      [10, 30],
    ],
    [
      [0, 5],
      [1, 5],
    ],
    [
      [1000, 2000, 0],
      [128, 256, 1],
    ],
    [
      [65535, 1],
      [256, 1],
    ],
  ])('%o -> %o', (weights, scaled) => {
    expect(scaleSrvWeights(weights)).toEqual(scaled);
  });
});
