// Connection-level controls in the config file: maxConnectionsPerIp (top level and per route), tcp mode's
// address rules and connection rate, and udp mode refusing all three; each mistake names its key and the fix.
import { describe, expect, it } from 'vitest';
import { configFileLoader, configRefusal } from '../../helpers/config-file.js';

const tcp = { FULCRUM_MODE: 'tcp' };

describe('maxConnectionsPerIp', () => {
  it('is read at the top level (tcp and http) and per route (http)', () => {
    expect(configFileLoader({ maxConnectionsPerIp: 20 }, tcp)().maxConnectionsPerIp).toBe(20);
    const http = configFileLoader({ maxConnectionsPerIp: 100, routes: [{ match: {}, pool: 'default', maxConnectionsPerIp: 5 }] })();
    expect(http.maxConnectionsPerIp).toBe(100);
    expect(http.routes[0]?.caps?.map((cap) => cap.max)).toEqual([100, 5]);
    expect(configFileLoader({}, tcp)().maxConnectionsPerIp).toBeNull();
  });

  it.each([0, -3, 2.5, '10', 2_000_000])('refuses %j with the key and the fix', (value) => {
    expect(configRefusal(configFileLoader({ maxConnectionsPerIp: value }, tcp))).toMatch(
      /maxConnectionsPerIp=.* is invalid: expected a whole number of concurrent connections per client IP from 1 to 1000000 \(leave maxConnectionsPerIp out for no cap\)/,
    );
    expect(configRefusal(configFileLoader({ routes: [{ match: {}, pool: 'default', maxConnectionsPerIp: value }] }))).toMatch(
      /routes\[0\]\.maxConnectionsPerIp=/,
    );
  });
});

describe('tcp mode access rules and connection rate', () => {
  it('keeps the address rules in order, a rule without cidr matching every client', () => {
    const config = configFileLoader(
      {
        access: [
          { name: 'office', allow: { cidr: ['10.0.0.0/8', '2001:db8::/32'] } },
          { name: 'rest', deny: {} },
        ],
        rateLimit: { rate: '5/s', burst: 3 },
      },
      tcp,
    )();
    expect(config.tcpAccess.rules.map((rule) => [rule.name, rule.action, rule.cidrs.map((cidr) => cidr.prefixLength)])).toEqual([
      ['office', 'allow', [8, 32]],
      ['rest', 'deny', []],
    ]);
    expect(config.tcpAccess.connectionRate).toMatchObject({ ratePerSecond: 5, burst: 3 });
  });

  it('refuses HTTP matchers in tcp mode, naming each one', () => {
    const message = configRefusal(
      configFileLoader(
        { access: [{ deny: { cidr: '10.0.0.0/8' } }, { name: 'x', deny: { method: 'GET', pathPrefix: '/a', headers: [{ name: 'h' }] } }] },
        tcp,
      ),
    );
    expect(message).toMatch(
      /access\[1\]\.deny=.*tcp mode matches the client address only \(cidr\); remove method, pathPrefix, headers, or use FULCRUM_MODE=http/,
    );
    expect(message).not.toMatch(/access\[0\]/);
  });

  it('refuses a connection-rate limit keyed by anything but the client address, or one that would delay', () => {
    expect(configRefusal(configFileLoader({ rateLimit: { rate: '5/s', key: ['ip', 'header:x-user'] } }, tcp))).toMatch(
      /rateLimit\.key=.*ip, header.*use key: ip/,
    );
    expect(configRefusal(configFileLoader({ rateLimit: { rate: '5/s', action: 'delay' } }, tcp))).toMatch(
      /rateLimit\.action=.*use action: reject/,
    );
  });

  it('refuses more rules than the native access log can name', () => {
    const access = Array.from({ length: 255 }, () => ({ deny: { cidr: '10.0.0.1' } }));
    expect(configRefusal(configFileLoader({ access }, tcp))).toMatch(/access=.*255 rules.*at most 254/);
  });
});

describe('udp', () => {
  it('tcp mode with a udp listener refuses the connection controls too', () => {
    expect(
      configRefusal(configFileLoader({ maxConnectionsPerIp: 3, listeners: [{ listen: '127.0.0.1:5353', protocol: 'udp' }] }, tcp)),
    ).toMatch(/maxConnectionsPerIp=.*applies to TCP connections, and listeners\[0\] is udp, which has none/);
  });

  it.each([
    ['access', [{ deny: {} }]],
    ['rateLimit', { rate: '10/s' }],
    ['maxConnectionsPerIp', 3],
  ])('udp mode refuses %s rather than ignore it', (key, value) => {
    expect(configRefusal(configFileLoader({ [key]: value }, { FULCRUM_MODE: 'udp' }))).toMatch(
      new RegExp(`${key}=.*${key} applies to http and tcp mode; udp mode has no connections to refuse, so remove it`),
    );
  });
});
