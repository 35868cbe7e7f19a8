// FULCRUM_HEALTH_CHECK=auto (the default) resolves by mode, and a pool's mapping retimes or replaces it;
// FULCRUM_OUTLIER_SLOW_RESPONSE and outlierDetection.slowResponse set the slow-response signal.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';

const BACKENDS = { FULCRUM_BACKENDS: '127.0.0.1:9001' };

function load(env: Record<string, string>) {
  return loadConfig({ env, flags: new Map() });
}

/** Loads `yaml` (pools) with a catch-all route to the first pool `routeTo`, which the loader requires. */
function withFile(yaml: string, routeTo: string, env: Record<string, string> = {}) {
  const path = join(mkdtempSync(join(tmpdir(), 'fulcrum-health-')), 'fulcrum.yaml');
  writeFileSync(path, `${yaml}\nroutes:\n  - { match: { pathPrefix: / }, pool: ${routeTo} }\n`);
  return load({ FULCRUM_CONFIG: path, ...env });
}

const AUTO_HTTP = { method: 'GET', path: '/', host: null, expectStatus: [[100, 499]], expectBody: null };

describe('default active check', () => {
  it.each([
    ['http mode, default', {}, 'http', AUTO_HTTP],
    ['http mode, auto', { FULCRUM_HEALTH_CHECK: 'auto' }, 'http', AUTO_HTTP],
    ['tcp mode, default', { FULCRUM_MODE: 'tcp' }, 'tcp', null],
    ['http mode, tcp asked for', { FULCRUM_HEALTH_CHECK: 'tcp' }, 'tcp', null],
    [
      'http mode, a path asked for',
      { FULCRUM_HEALTH_CHECK: 'http:/healthz' },
      'http',
      { ...AUTO_HTTP, path: '/healthz', expectStatus: [[200, 399]] },
    ],
  ])('%s', (_name, env, kind, http) => {
    const check = load({ ...BACKENDS, ...env }).pools[0]?.healthCheck;
    expect(check?.kind).toBe(kind);
    expect(check?.http).toEqual(http);
    expect(check?.timeoutMs).toBe(1_000);
  });

  it('is off when asked', () => {
    expect(load({ ...BACKENDS, FULCRUM_HEALTH_CHECK: 'off' }).pools[0]?.healthCheck).toBeNull();
  });

  it('names auto among the accepted values when a value is wrong', () => {
    expect(() => load({ ...BACKENDS, FULCRUM_HEALTH_CHECK: 'ping' })).toThrow(
      /expected auto, off, tcp, http:PATH \(such as http:\/healthz\), grpc\[:SERVICE\] \(such as grpc:shop.Cart\), or in udp mode udp:TEXT or dns:NAME/,
    );
  });

  it('keeps the auto probe for a pool mapping that only retimes it, and 200-399 for one that names a path', () => {
    const config = withFile(
      [
        'pools:',
        '  retimed:',
        '    backends: ["127.0.0.1:9001"]',
        '    healthCheck: { interval: 5s }',
        '  own:',
        '    backends: ["127.0.0.1:9002"]',
        '    healthCheck: { path: /ready }',
      ].join('\n'),
      'retimed',
    );
    const [retimed, own] = config.pools;
    expect(retimed?.healthCheck).toMatchObject({ kind: 'http', intervalMs: 5_000, http: AUTO_HTTP });
    expect(own?.healthCheck?.http).toEqual({ ...AUTO_HTTP, path: '/ready', expectStatus: [[200, 399]] });
  });
});

describe('slow-response outlier signal', () => {
  it('is off by default, and FULCRUM_OUTLIER_SLOW_RESPONSE sets it for every pool', () => {
    expect(load(BACKENDS).pools[0]?.outlier?.slowResponseMs).toBe(0);
    expect(load({ ...BACKENDS, FULCRUM_OUTLIER_SLOW_RESPONSE: '2s' }).pools[0]?.outlier?.slowResponseMs).toBe(2_000);
  });

  it('takes outlierDetection.slowResponse per pool, and rejects a value that is not a duration', () => {
    const config = withFile(
      ['pools:', '  api:', '    backends: ["127.0.0.1:9001"]', '    outlierDetection: { slowResponse: 750ms }'].join('\n'),
      'api',
    );
    expect(config.pools[0]?.outlier?.slowResponseMs).toBe(750);
    expect(() =>
      withFile(['pools:', '  api:', '    backends: ["127.0.0.1:9001"]', '    outlierDetection: { slowResponse: soon }'].join('\n'), 'api'),
    ).toThrow(/slowResponse/);
  });
});
