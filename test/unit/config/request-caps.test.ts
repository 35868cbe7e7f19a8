// Concurrency caps in the config file (http mode): the top-level per-address cap first on every route, a
// route's own caps after it, and each mistake refused with its key and the fix.
import { describe, expect, it } from 'vitest';
import { configFileLoader, configRefusal } from '../../helpers/config-file.js';

describe('concurrency caps', () => {
  it('puts the top-level cap (one count across routes) before a route’s own caps', () => {
    const config = configFileLoader({
      maxConnectionsPerIp: 10,
      routes: [{ match: {}, pool: 'default', maxConnectionsPerIp: 2, maxRequests: 100 }],
    })();
    expect(config.routes[0]?.caps).toEqual([
      { name: 'maxConnectionsPerIp', per: 'ip', max: 10, scope: 'global' },
      { name: 'route 0 maxConnectionsPerIp', per: 'ip', max: 2, scope: 'route 0' },
      { name: 'route 0 maxRequests', per: 'route', max: 100, scope: 'route 0' },
    ]);
    expect(configFileLoader({ maxConnectionsPerIp: 5 })().routes[0]?.caps).toHaveLength(1);
  });

  it.each([
    [{ maxConnectionsPerIp: 0 }, /maxConnectionsPerIp.*whole number.*from 1/],
    [{ maxConnectionsPerIp: 'many' }, /maxConnectionsPerIp.*leave maxConnectionsPerIp out for no cap/],
    [{ routes: [{ match: {}, pool: 'default', maxRequests: 1.5 }] }, /routes\[0\]\.maxRequests.*requests in flight on the route/],
  ])('refuses %j', (document, message) => {
    expect(configRefusal(configFileLoader(document))).toMatch(message);
  });
});
