import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { FulcrumError } from '../../../src/errors.js';

const BACKENDS = { FULCRUM_BACKENDS: '127.0.0.1:9001' };

function load(env: Record<string, string>, flags: Record<string, string> = {}) {
  return loadConfig({ env, flags: new Map(Object.entries(flags)) });
}

function problemOf(env: Record<string, string>, flags: Record<string, string> = {}): string {
  try {
    load(env, flags);
  } catch (error) {
    expect(error).toBeInstanceOf(FulcrumError);
    return (error as FulcrumError).message;
  }
  throw new Error('expected the configuration to be rejected');
}

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fulcrum-config-')), name);
  writeFileSync(path, text);
  return path;
}

describe('defaults', () => {
  it('fills every setting from its default and records the source', () => {
    const config = load(BACKENDS);
    expect(config.mode).toBe('http');
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.algorithm).toBe('round-robin');
    expect(config.hashKey).toEqual({ kind: 'ip' });
    expect(config.adminListen).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(config.logLevel).toBe('info');
    expect(config.workers).toBeGreaterThanOrEqual(1);
    expect(config.sources.mode).toBe('default');
    expect(config.sources.backends).toBe('env');
    expect(config.pools).toEqual([
      {
        name: 'default',
        algorithm: 'round-robin',
        hashKey: { kind: 'ip' },
        backends: [{ address: '127.0.0.1:9001', host: '127.0.0.1', port: 9001, weight: 1 }],
        healthCheck: {
          kind: 'http',
          intervalMs: 2000,
          fastIntervalMs: 500,
          timeoutMs: 1000,
          rise: 2,
          fall: 3,
          http: { method: 'GET', path: '/', host: null, expectStatus: [[100, 499]], expectBody: null },
          grpc: null,
        },
        outlier: {
          consecutiveFailures: 5,
          include5xx: false,
          baseEjectionMs: 30_000,
          maxEjectionMs: 300_000,
          maxEjectionPercent: 50,
          slowResponseMs: 0,
        },
        slowStartMs: 0,
        backup: null,
        protocol: 'http/1.1',
        upstreamTls: null,
      },
    ]);
    expect(config.drainTimeout).toBe(10_000);
    expect(config.adminToken).toBeNull();
  });
});

describe('valid values', () => {
  it.each([
    ['FULCRUM_MODE', 'tcp', (c: ReturnType<typeof load>) => c.mode, 'tcp'],
    ['FULCRUM_LISTEN', '0.0.0.0:80', (c: ReturnType<typeof load>) => c.listen, { host: '0.0.0.0', port: 80 }],
    ['FULCRUM_LISTEN', '[::1]:8443', (c: ReturnType<typeof load>) => c.listen, { host: '::1', port: 8443 }],
    ['FULCRUM_LISTEN', 'localhost:3000', (c: ReturnType<typeof load>) => c.listen, { host: 'localhost', port: 3000 }],
    ['FULCRUM_ALGORITHM', 'power-of-two', (c: ReturnType<typeof load>) => c.algorithm, 'power-of-two'],
    ['FULCRUM_HASH_KEY', 'header:X-User', (c: ReturnType<typeof load>) => c.hashKey, { kind: 'header', name: 'x-user' }],
    ['FULCRUM_HASH_KEY', 'cookie:session', (c: ReturnType<typeof load>) => c.hashKey, { kind: 'cookie', name: 'session' }],
    ['FULCRUM_HASH_KEY', 'query:id', (c: ReturnType<typeof load>) => c.hashKey, { kind: 'query', name: 'id' }],
    ['FULCRUM_HASH_KEY', 'path', (c: ReturnType<typeof load>) => c.hashKey, { kind: 'path' }],
    ['FULCRUM_WORKERS', '3', (c: ReturnType<typeof load>) => c.workers, 3],
    ['FULCRUM_ADMIN_LISTEN', 'off', (c: ReturnType<typeof load>) => c.adminListen, null],
    ['FULCRUM_LOG_LEVEL', 'debug', (c: ReturnType<typeof load>) => c.logLevel, 'debug'],
  ])('%s=%s', (name, value, read, expected) => {
    expect(read(load({ ...BACKENDS, [name]: value }))).toEqual(expected);
  });

  it('parses weighted backend lists', () => {
    const config = load({ FULCRUM_BACKENDS: '10.0.0.1:80*3, backend.internal:8080,[::1]:81*2' });
    expect(config.backends.map((b) => [b.host, b.port, b.weight])).toEqual([
      ['10.0.0.1', 80, 3],
      ['backend.internal', 8080, 1],
      ['::1', 81, 2],
    ]);
  });
});

describe('invalid values are rejected naming the variable, the value and what is accepted', () => {
  it.each([
    ['FULCRUM_MODE', 'quic', 'expected one of: http, tcp, udp'],
    ['FULCRUM_LISTEN', '8080', 'expected host:port'],
    ['FULCRUM_LISTEN', '127.0.0.1:0', 'port 0 is out of range'],
    ['FULCRUM_LISTEN', '127.0.0.1:70000', 'out of range'],
    ['FULCRUM_LISTEN', 'bad_host!:80', 'is not an IP address or host name'],
    ['FULCRUM_BACKENDS', 'nonsense', 'entry "nonsense": expected host:port'],
    ['FULCRUM_BACKENDS', '127.0.0.1:80*0', 'weight "0" is not allowed'],
    ['FULCRUM_BACKENDS', '127.0.0.1:80*-1', 'weight "-1" is not allowed'],
    ['FULCRUM_BACKENDS', '127.0.0.1:80*1.5', 'weight "1.5" is not allowed'],
    ['FULCRUM_BACKENDS', '127.0.0.1:80*NaN', 'weight "NaN" is not allowed'],
    ['FULCRUM_BACKENDS', '127.0.0.1:80*2*3', 'more than one "*"'],
    ['FULCRUM_BACKENDS', '127.0.0.1:80,,127.0.0.1:81', 'an entry is empty'],
    ['FULCRUM_ALGORITHM', 'random', 'expected one of: round-robin'],
    ['FULCRUM_HASH_KEY', 'header:', 'expected ip, path'],
    ['FULCRUM_HASH_KEY', 'body', 'expected ip, path'],
    ['FULCRUM_WORKERS', '0', 'expected "auto" or a whole number from 1 to 256'],
    ['FULCRUM_WORKERS', 'many', 'expected "auto"'],
    ['FULCRUM_ADMIN_LISTEN', 'on', 'expected host:port'],
    ['FULCRUM_LOG_LEVEL', 'loud', 'expected one of: trace'],
  ])('%s=%s', (name, value, expected) => {
    const message = problemOf({ ...BACKENDS, [name]: value });
    expect(message).toContain(`${name}=${JSON.stringify(value)} is invalid`);
    expect(message).toContain(expected);
  });

  it('reports every problem at once', () => {
    const message = problemOf({ FULCRUM_MODE: 'sctp', FULCRUM_WORKERS: 'x', FULCRUM_BACKENDS: 'y' });
    expect(message).toContain('3 configuration problems');
  });

  it('requires backends unless running the demo', () => {
    expect(problemOf({})).toContain('no backends are configured');
    expect(loadConfig({ env: {}, flags: new Map(), allowNoBackends: true }).pools).toEqual([]);
  });

  it('rejects a tcp hash key other than ip', () => {
    expect(problemOf({ ...BACKENDS, FULCRUM_MODE: 'tcp', FULCRUM_HASH_KEY: 'path' })).toContain('tcp mode can only hash on ip');
  });
});

describe('precedence: flag > env > file > default', () => {
  it.each([
    ['flag wins', { '--listen': '127.0.0.1:1001' }, { FULCRUM_LISTEN: '127.0.0.1:1002' }, 1001, 'flag'],
    ['env beats file', {}, { FULCRUM_LISTEN: '127.0.0.1:1002' }, 1002, 'env'],
    ['file beats default', {}, {}, 1003, 'file'],
  ])('%s', (_name, flags, env, port, source) => {
    const file = tempFile('f.yaml', 'listen: 127.0.0.1:1003\nbackends: ["127.0.0.1:9001"]\n');
    const config = load({ ...env, FULCRUM_CONFIG: file }, flags);
    expect(config.listen.port).toBe(port);
    expect(config.sources.listen).toBe(source);
  });
});

describe('config file', () => {
  it('reads pools and routes from YAML', () => {
    const file = tempFile(
      'fulcrum.yaml',
      [
        'backends: "127.0.0.1:9001"',
        'pools:',
        '  api:',
        '    algorithm: consistent-hash',
        '    hashKey: header:x-user',
        '    backends: ["127.0.0.1:9002*2", {address: "127.0.0.1:9003", weight: 5}]',
        'routes:',
        '  - match: {host: ["api.example.com", "*.api.example.com"], pathPrefix: /v1, method: [get, post], headers: [{name: X-Env, equals: prod}]}',
        '    pool: api',
        '  - pool: default',
      ].join('\n'),
    );
    const config = load({ FULCRUM_CONFIG: file });
    expect(config.pools.map((pool) => pool.name)).toEqual(['default', 'api']);
    expect(config.pools[1]?.backends.map((b) => b.weight)).toEqual([2, 5]);
    expect(config.pools[1]?.hashKey).toEqual({ kind: 'header', name: 'x-user' });
    expect(config.routes[0]?.match).toEqual({
      hosts: ['api.example.com', '*.api.example.com'],
      pathPrefix: '/v1',
      methods: ['GET', 'POST'],
      headers: [{ name: 'x-env', equals: 'prod' }],
    });
    expect(config.routes[1]).toEqual({ match: {}, pool: 'default', stripPrefix: false });
  });

  it('reads JSON', () => {
    const file = tempFile('fulcrum.json', JSON.stringify({ mode: 'tcp', backends: ['127.0.0.1:9001*2'], workers: 2 }));
    const config = load({ FULCRUM_CONFIG: file });
    expect(config.mode).toBe('tcp');
    expect(config.workers).toBe(2);
    expect(config.backends[0]?.weight).toBe(2);
  });

  it.each([
    ['unknown top-level key', 'listn: 127.0.0.1:80\nbackends: ["127.0.0.1:1"]', 'listn=', 'unknown key; expected one of: mode, listen'],
    ['bad backend entry', 'backends: [42]', 'backends[0]=42 is invalid', 'expected "host:port[*WEIGHT]"'],
    ['bad weight object', 'backends: [{address: "127.0.0.1:1", weight: 0}]', 'backends[0]', 'weight "0" is not allowed'],
    [
      'route to unknown pool',
      'backends: ["127.0.0.1:1"]\nroutes: [{pool: nope}]',
      'routes[0].pool="nope"',
      'expected the name of a configured pool (default)',
    ],
    [
      'bad regex',
      'backends: ["127.0.0.1:1"]\nroutes: [{pool: default, match: {pathRegex: "("}}]',
      'pathRegex="("',
      'not a valid regular expression',
    ],
    ['unknown match key', 'backends: ["127.0.0.1:1"]\nroutes: [{pool: default, match: {paths: /x}}]', 'match.paths', 'unknown key'],
    ['pool without backends', 'pools: {api: {algorithm: round-robin}}', 'pools.api.backends', 'a pool needs at least one backend'],
    ['reserved pool name', 'pools: {default: {backends: ["127.0.0.1:1"]}}', 'pools.default', '"default" is reserved'],
    [
      'bad pool algorithm',
      'pools: {api: {algorithm: fastest, backends: ["127.0.0.1:1"]}}\nroutes: [{pool: api}]',
      'pools.api.algorithm="fastest"',
      'expected one of',
    ],
    ['pools without routes', 'pools: {api: {backends: ["127.0.0.1:1"]}}', 'routes', 'add routes'],
    ['not a mapping', '- a\n- b', 'must hold a mapping', ''],
    ['invalid YAML', 'a: [1, 2', 'is not valid YAML', ''],
  ])('%s', (_name, text, where, expected) => {
    const file = tempFile('bad.yaml', text);
    const message = problemOf({ FULCRUM_CONFIG: file });
    expect(message).toContain(where);
    expect(message).toContain(expected);
  });

  it('names a missing file and how to fix it', () => {
    expect(problemOf({ FULCRUM_CONFIG: '/nonexistent/fulcrum.yaml' })).toMatch(/config file .*fulcrum.yaml cannot be read \(ENOENT\)/);
  });
});
