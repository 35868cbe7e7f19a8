// kind: grpc health checks in the config file and FULCRUM_HEALTH_CHECK=grpc[:SERVICE]; keys of one kind of
// check on another are refused with the fix.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';

const BACKENDS = { FULCRUM_BACKENDS: '127.0.0.1:9001' };

function load(env: Record<string, string>) {
  return loadConfig({ env, flags: new Map() });
}

/** Loads one pool "api" whose healthCheck is `check` (YAML flow mapping), with a catch-all route to it. */
function withCheck(check: string, env: Record<string, string> = {}) {
  const path = join(mkdtempSync(join(tmpdir(), 'fulcrum-grpc-health-')), 'fulcrum.yaml');
  writeFileSync(
    path,
    [
      'pools:',
      '  api:',
      '    backends: ["127.0.0.1:9001"]',
      `    healthCheck: ${check}`,
      'routes:',
      '  - { match: { pathPrefix: / }, pool: api }',
      '',
    ].join('\n'),
  );
  return load({ FULCRUM_CONFIG: path, ...env });
}

describe('FULCRUM_HEALTH_CHECK=grpc', () => {
  it.each([
    ['grpc', ''],
    ['grpc:shop.Cart', 'shop.Cart'],
  ])('%s checks service "%s" of every pool', (value, service) => {
    const check = load({ ...BACKENDS, FULCRUM_HEALTH_CHECK: value }).pools[0]?.healthCheck;
    expect(check).toMatchObject({ kind: 'grpc', http: null, grpc: { service } });
  });

  it('is kept by a pool mapping that only retimes it', () => {
    const check = withCheck('{ interval: 5s }', { FULCRUM_HEALTH_CHECK: 'grpc:shop.Cart' }).pools[0]?.healthCheck;
    expect(check).toMatchObject({ kind: 'grpc', intervalMs: 5_000, grpc: { service: 'shop.Cart' } });
  });
});

describe('healthCheck kind: grpc', () => {
  it('asks about the whole server unless a service is named, and takes the timing keys', () => {
    expect(withCheck('{ kind: grpc }').pools[0]?.healthCheck).toMatchObject({ kind: 'grpc', http: null, grpc: { service: '' } });
    const named = withCheck('{ kind: grpc, service: shop.Cart, interval: 1s, timeout: 300ms, rise: 1, fall: 2 }').pools[0]?.healthCheck;
    expect(named).toMatchObject({ kind: 'grpc', intervalMs: 1_000, timeoutMs: 300, rise: 1, fall: 2, grpc: { service: 'shop.Cart' } });
  });

  it.each([
    ['{ kind: grpc, path: /healthz }', /pools\.api\.healthCheck\.path.*only http checks take this key; set kind: http/],
    ['{ kind: grpc, expectStatus: 200 }', /pools\.api\.healthCheck\.expectStatus.*only http checks take this key; set kind: http/],
    ['{ kind: http, service: shop.Cart }', /pools\.api\.healthCheck\.service.*only grpc checks take this key; set kind: grpc/],
    ['{ kind: tcp, service: "" }', /pools\.api\.healthCheck\.service.*only grpc checks take this key; set kind: grpc/],
    ['{ kind: grpc, service: [a, b] }', /pools\.api\.healthCheck\.service.*expected a gRPC service name as a string/],
    ['{ kind: grpcs }', /expected tcp, http or grpc/],
  ])('refuses %s, naming the key and the fix', (check, message) => {
    expect(() => withCheck(check)).toThrow(message);
  });
});
