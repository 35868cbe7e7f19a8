// Concurrency caps in the config file (http mode): the top-level per-address cap first on every route, a
// route's own caps after it, and each mistake refused with its key and the fix.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import { configRefusal } from '../../helpers/config-file.js';

function withFile(document: Record<string, unknown>) {
  const path = join(mkdtempSync(join(tmpdir(), 'fulcrum-caps-')), 'fulcrum.yaml');
  writeFileSync(path, stringify(document));
  return () => loadConfig({ env: { FULCRUM_BACKENDS: '127.0.0.1:9001', FULCRUM_CONFIG: path }, flags: new Map() });
}

describe('concurrency caps', () => {
  it('puts the top-level cap (one count across routes) before a route’s own caps', () => {
    const config = withFile({
      maxConnectionsPerIp: 10,
      routes: [{ match: {}, pool: 'default', maxConnectionsPerIp: 2, maxRequests: 100 }],
    })();
    expect(config.routes[0]?.caps).toEqual([
      { name: 'maxConnectionsPerIp', per: 'ip', max: 10, scope: 'global' },
      { name: 'route 0 maxConnectionsPerIp', per: 'ip', max: 2, scope: 'route 0' },
      { name: 'route 0 maxRequests', per: 'route', max: 100, scope: 'route 0' },
    ]);
    expect(withFile({ maxConnectionsPerIp: 5 })().routes[0]?.caps).toHaveLength(1);
  });

  it.each([
    [{ maxConnectionsPerIp: 0 }, /maxConnectionsPerIp.*whole number.*from 1/],
    [{ maxConnectionsPerIp: 'many' }, /maxConnectionsPerIp.*leave maxConnectionsPerIp out for no cap/],
    [{ routes: [{ match: {}, pool: 'default', maxRequests: 1.5 }] }, /routes\[0\]\.maxRequests.*requests in flight on the route/],
  ])('refuses %j', (document, message) => {
    expect(configRefusal(withFile(document))).toMatch(message);
  });
});
