// Access rules in the config file: what loads (top-level rules first on every route, a catch-all route
// carrying them when there are no routes), and each mistake refused with its key and the fix.
import { describe, expect, it } from 'vitest';
import { configFileLoader, configRefusal } from '../../helpers/config-file.js';

describe('access rules', () => {
  it('puts the top-level rules before a route’s own, and gives a catch-all route the rules when there are no routes', () => {
    const routed = configFileLoader({
      access: [{ name: 'global', deny: { pathPrefix: '/admin' } }],
      routes: [{ match: {}, pool: 'default', access: [{ deny: { method: ['DELETE'] } }] }],
    })();
    expect(routed.routes[0]?.access?.map((rule) => [rule.name, rule.action])).toEqual([
      ['global', 'deny'],
      ['rule 0', 'deny'],
    ]);
    const bare = configFileLoader({ access: [{ name: 'office', allow: { cidr: '10.0.0.0/8' } }, { deny: {} }] })();
    expect(bare.routes).toHaveLength(1);
    expect(bare.routes[0]).toMatchObject({ match: {}, pool: 'default' });
    expect(bare.routes[0]?.access?.[0]?.cidrs).toHaveLength(1);
  });

  it.each([
    [{ access: [{ deny: { cidr: '10.0.0.300/8' } }] }, /access\[0\]\.deny\.cidr/],
    [{ access: [{ deny: { pathRegex: '(' } }] }, /access\[0\]\.deny\.pathRegex.*not a valid regular expression/],
    [{ access: [{ deny: { pathRegex: '^/(a+)+$' } }] }, /access\[0\]\.deny\.pathRegex.*backtrack catastrophically/],
    [{ access: [{ deny: { headers: [{ name: 'x-id', regex: '^(\\w+\\s?)*$' }] } }] }, /headers\[0\]\.regex.*nested repetition/],
    [{ routes: [{ match: { pathRegex: '(.*)*x' }, pool: 'default' }] }, /routes\[0\]\.match\.pathRegex.*backtrack/],
    [{ access: [{ allow: {}, deny: {} }] }, /give exactly one of allow and deny/],
    [{ access: [{ deny: { port: 22 } }] }, /access\[0\]\.deny.*port/],
    [{ access: [{ deny: { method: 'get' } }] }, /access\[0\]\.deny\.method.*upper-case/],
    [{ access: [{ deny: { pathPrefix: 'admin' } }] }, /access\[0\]\.deny\.pathPrefix.*starting with \//],
    [{ access: { deny: {} } }, /access.*expected a list of rules/],
    [{ access: [{ name: '', deny: {} }] }, /access\[0\]\.name/],
  ])('refuses %j', (document, message) => {
    expect(configRefusal(configFileLoader(document))).toMatch(message);
  });

  it('takes address rules in tcp mode (test/unit/config/connection-limits.test.ts has the rest)', () => {
    const config = configFileLoader({ access: [{ deny: {} }] }, { FULCRUM_MODE: 'tcp' })();
    expect(config.tcpAccess.rules).toEqual([{ name: 'rule 0', action: 'deny', cidrs: [] }]);
    expect(config.routes).toEqual([]);
  });
});
