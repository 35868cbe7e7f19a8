// The L7 settings and config-file keys: durations, sizes, CIDR lists, sticky, splits, stripPrefix, TLS; bad input named.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import { TrustedProxies } from '../../../src/l7/trusted-proxies.js';

const BACKENDS = { FULCRUM_BACKENDS: '127.0.0.1:9001' };

function load(env: Record<string, string>, file?: Record<string, unknown>) {
  const full: Record<string, string> = { ...BACKENDS, ...env };
  if (file) {
    const path = join(mkdtempSync(join(tmpdir(), 'fulcrum-l7-config-')), 'fulcrum.yaml');
    writeFileSync(path, stringify(file));
    full.FULCRUM_CONFIG = path;
  }
  return loadConfig({ env: full, flags: new Map() });
}

function problem(env: Record<string, string>, file?: Record<string, unknown>): string {
  try {
    load(env, file);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('L7 settings', () => {
  it('has sane defaults', () => {
    const config = load({});
    expect([config.connectTimeout, config.responseTimeout, config.upstreamIdleTimeout]).toEqual([2_000, 30_000, 60_000]);
    expect([config.upstreamMaxSockets, config.retries, config.maxBody, config.maxUrlLength, config.maxHeaderSize]).toEqual([
      256,
      2,
      1024 ** 3,
      8192,
      32768,
    ]);
    expect([config.trustedProxies, config.tlsCert, config.httpsRedirectListen]).toEqual([[], null, null]);
  });

  it('parses durations, sizes and CIDR lists', () => {
    const config = load({
      FULCRUM_CONNECT_TIMEOUT: '500ms',
      FULCRUM_MAX_BODY: '10mb',
      FULCRUM_TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7,::1',
    });
    expect(config.connectTimeout).toBe(500);
    expect(config.maxBody).toBe(10 * 1024 * 1024);
    const trusted = new TrustedProxies(config.trustedProxies);
    expect(['10.2.3.4', '::ffff:10.9.9.9', '192.168.1.7', '::1'].map((address) => trusted.trusts(address))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['11.0.0.1', '192.168.1.8', '::2'].map((address) => trusted.trusts(address))).toEqual([false, false, false]);
  });

  it.each([
    [{ FULCRUM_CONNECT_TIMEOUT: 'soon' }, 'FULCRUM_CONNECT_TIMEOUT="soon" is invalid: expected a duration'],
    [{ FULCRUM_MAX_BODY: '10 parsecs' }, 'FULCRUM_MAX_BODY="10 parsecs" is invalid: expected a size'],
    [{ FULCRUM_TRUSTED_PROXIES: '10.0.0.0/33' }, 'prefix length outside 0-32'],
    [{ FULCRUM_TRUSTED_PROXIES: 'example.com' }, 'is not an address or CIDR block'],
    [{ FULCRUM_TLS_CERT: '/nonexistent.pem' }, 'FULCRUM_TLS_CERT and FULCRUM_TLS_KEY go together'],
    [{ FULCRUM_HTTPS_REDIRECT_LISTEN: '127.0.0.1:8080' }, 'the redirect to HTTPS needs TLS'],
  ])('rejects %o', (env, message) => {
    expect(problem(env)).toContain(message);
  });
});

describe('L7 config-file keys', () => {
  const pools = {
    a: { backends: ['127.0.0.1:9101'], sticky: { cookie: 'SRV' }, hostRewrite: 'a.internal' },
    b: { backends: ['127.0.0.1:9102'] },
  };

  it('reads sticky, hostRewrite, splits and stripPrefix', () => {
    const config = load(
      {},
      {
        pools,
        routes: [
          { match: { pathPrefix: '/api/' }, pool: 'a', stripPrefix: true },
          {
            match: {},
            split: [
              { pool: 'a', weight: 90 },
              { pool: 'b', weight: 10 },
            ],
            splitKey: 'cookie:uid',
            forceHeader: 'X-Arm',
          },
        ],
      },
    );
    const a = config.pools.find((pool) => pool.name === 'a');
    expect([a?.sticky, a?.hostRewrite]).toEqual([{ cookie: 'SRV' }, 'a.internal']);
    expect(config.routes[0]?.stripPrefix).toBe(true);
    expect(config.routes[1]?.split).toEqual({
      arms: [
        { pool: 'a', weight: 90 },
        { pool: 'b', weight: 10 },
      ],
      key: { kind: 'cookie', name: 'uid' },
      forceHeader: 'x-arm',
      forceCookie: null,
    });
  });

  it.each([
    [
      { pools: { a: { backends: ['127.0.0.1:1'], sticky: { cookie: 'bad cookie' } } }, routes: [{ pool: 'a' }] },
      'pools.a.sticky.cookie="bad cookie" is invalid',
    ],
    [{ pools, routes: [{ match: {}, pool: 'a', stripPrefix: true }] }, 'stripPrefix needs match.pathPrefix'],
    [{ pools, routes: [{ split: [{ pool: 'a', weight: 1 }] }] }, 'expected a list of at least two'],
    [
      {
        pools,
        routes: [
          {
            split: [
              { pool: 'a', weight: 1 },
              { pool: 'zz', weight: 1 },
            ],
          },
        ],
      },
      'routes[0].split[1].pool="zz" is invalid',
    ],
    [
      {
        pools,
        routes: [
          {
            split: [
              { pool: 'a', weight: 1 },
              { pool: 'b', weight: 0 },
            ],
          },
        ],
      },
      'routes[0].split[1].weight=0 is invalid',
    ],
    [
      {
        pools,
        routes: [
          {
            pool: 'a',
            split: [
              { pool: 'a', weight: 1 },
              { pool: 'b', weight: 1 },
            ],
          },
        ],
      },
      'give pool or split, not both',
    ],
    [{ pools, routes: [{ pool: 'a', splitKey: 'ip' }] }, 'only a route with split: can have it'],
    [
      {
        pools,
        routes: [
          {
            split: [
              { pool: 'a', weight: 1 },
              { pool: 'b', weight: 1 },
            ],
            splitKey: 'path',
          },
        ],
      },
      'expected ip, header:NAME or cookie:NAME',
    ],
    [
      { tls: { certificates: [{ serverName: 'a.test', cert: '/nope.crt', key: '/nope.key' }] } },
      'tls.certificates[0].cert="/nope.crt" is invalid: the file cannot be read',
    ],
  ])('rejects a bad file (%#)', (file, message) => {
    expect(problem({}, file as Record<string, unknown>)).toContain(message);
  });
});
