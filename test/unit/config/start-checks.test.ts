// What --check-config must refuse because the start would fail on it: a backend listed twice, listeners
// sharing an address, backup cycles, repeated keys in a file, a TLS pair that does not load.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { resolvePools } from '../../../src/config/resolve-hosts.js';
import { FulcrumError } from '../../../src/errors.js';
import { makeCertificate } from '../../helpers/tls-files.js';

const BACKENDS = { FULCRUM_BACKENDS: '127.0.0.1:9001' };

function load(env: Record<string, string>) {
  return loadConfig({ env, flags: new Map() });
}

function problemOf(env: Record<string, string>): string {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(FulcrumError);
    expect((error as FulcrumError).code).toBe('FULCRUM_ERR_CONFIG');
    return (error as FulcrumError).message;
  }
  throw new Error('expected the configuration to be rejected');
}

function configFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fulcrum-checks-')), name);
  writeFileSync(path, text);
  return path;
}

describe('a backend listed twice in one pool', () => {
  it.each([
    ['FULCRUM_BACKENDS', '127.0.0.1:9001,127.0.0.1:9001', 'FULCRUM_BACKENDS[1]="127.0.0.1:9001"'],
    ['two spellings of one IPv6 address', '[::1]:80,[0:0::1]:80*2', 'FULCRUM_BACKENDS[1]="[0:0::1]:80"'],
    ['host names compare without case', 'api.internal:80,API.internal:80', 'FULCRUM_BACKENDS[1]="API.internal:80"'],
  ])('%s', (_name, backends, where) => {
    const message = problemOf({ FULCRUM_BACKENDS: backends });
    expect(message).toContain(where);
    expect(message).toContain('pool "default" lists this backend already (entry 0)');
  });

  it('in a file pool', () => {
    const file = configFile('f.yaml', 'pools: {api: {backends: ["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:1"]}}\nroutes: [{pool: api}]\n');
    expect(problemOf({ FULCRUM_CONFIG: file })).toContain(
      'pools.api.backends[2]="127.0.0.1:1" is invalid: pool "api" lists this backend already (entry 0)',
    );
  });

  it('two names of one address are refused once resolved, as a configuration error', async () => {
    const config = load({ FULCRUM_BACKENDS: 'localhost:9001,127.0.0.1:9001' });
    const error = await resolvePools(config.pools, () => []).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FulcrumError);
    expect((error as FulcrumError).code).toBe('FULCRUM_ERR_CONFIG');
    expect((error as FulcrumError).message).toContain(
      'backends localhost:9001 and 127.0.0.1:9001 of pool "default" both resolve to 127.0.0.1:9001',
    );
  });

  it('the same address in two pools is fine', () => {
    const file = configFile('f.yaml', 'backends: ["127.0.0.1:1"]\npools: {api: {backends: ["127.0.0.1:1"]}}\nroutes: [{pool: api}]\n');
    expect(load({ FULCRUM_CONFIG: file }).pools.map((pool) => pool.name)).toEqual(['default', 'api']);
  });
});

describe('listeners need addresses of their own', () => {
  it.each([
    [
      { FULCRUM_ADMIN_LISTEN: '127.0.0.1:8080' },
      'FULCRUM_ADMIN_LISTEN="127.0.0.1:8080" is invalid: the admin API would listen on the address of the proxy (FULCRUM_LISTEN=127.0.0.1:8080)',
    ],
    [
      { FULCRUM_LISTEN: '0.0.0.0:9090' },
      'FULCRUM_ADMIN_LISTEN="127.0.0.1:9090" is invalid: the admin API would listen on the address of the proxy (FULCRUM_LISTEN=0.0.0.0:9090)',
    ],
    [{ FULCRUM_LISTEN: '[::1]:7000', FULCRUM_ADMIN_LISTEN: '[0::1]:7000' }, 'the admin API would listen on the address of the proxy'],
  ])('%j', (env, expected) => {
    expect(problemOf({ ...BACKENDS, ...env })).toContain(expected);
  });

  it('the HTTPS redirect too', () => {
    const pair = makeCertificate('redirect.test');
    const message = problemOf({
      ...BACKENDS,
      FULCRUM_TLS_CERT: pair.cert,
      FULCRUM_TLS_KEY: pair.key,
      FULCRUM_HTTPS_REDIRECT_LISTEN: '127.0.0.1:9090',
    });
    expect(message).toContain(
      'FULCRUM_HTTPS_REDIRECT_LISTEN="127.0.0.1:9090" is invalid: the HTTPS redirect would listen on the address of the admin API (FULCRUM_ADMIN_LISTEN=127.0.0.1:9090)',
    );
  });

  it('other ports, or other hosts on one port, are fine', () => {
    expect(load({ ...BACKENDS, FULCRUM_ADMIN_LISTEN: '127.0.0.1:8081' }).adminListen).toEqual({ host: '127.0.0.1', port: 8081 });
    expect(load({ ...BACKENDS, FULCRUM_LISTEN: '127.0.0.2:9090' }).adminListen).toEqual({ host: '127.0.0.1', port: 9090 });
  });
});

describe('backup pools', () => {
  const pool = (backup: string) => `{backends: ["127.0.0.1:1"], backup: ${backup}}`;

  it.each([
    [
      'two pools naming each other',
      `pools: {a: ${pool('b')}, b: ${pool('a')}}`,
      'pools.a.backup="b" is invalid: backup pools form a cycle (a -> b -> a)',
    ],
    ['a longer cycle', `pools: {a: ${pool('b')}, b: ${pool('c')}, c: ${pool('a')}}`, 'backup pools form a cycle (a -> b -> c -> a)'],
  ])('%s', (_name, pools, expected) => {
    const message = problemOf({ FULCRUM_CONFIG: configFile('f.yaml', `${pools}\nroutes: [{pool: a}]\n`) });
    expect(message).toContain(expected);
    expect(message).toContain('invalid configuration:');
  });

  it('a chain that ends is fine', () => {
    const file = configFile('f.yaml', `pools: {a: ${pool('b')}, b: ${pool('c')}, c: {backends: ["127.0.0.1:1"]}}\nroutes: [{pool: a}]\n`);
    expect(load({ FULCRUM_CONFIG: file }).pools.map((entry) => entry.backup)).toEqual(['b', 'c', null]);
  });
});

describe('a key written twice in a config file', () => {
  it('JSON names the key and where it repeats', () => {
    const file = configFile(
      'f.json',
      '{\n  "backends": ["127.0.0.1:1"],\n  "pools": {"a": {"backends": ["127.0.0.1:2"]}, "a": {"backends": ["127.0.0.1:3"]}},\n  "routes": [{"pool": "a"}]\n}\n',
    );
    expect(problemOf({ FULCRUM_CONFIG: file })).toMatch(
      /f\.json is not valid JSON: "a" appears twice in one object \(again at line 3, column \d+\); keep one of them/,
    );
  });

  it('YAML', () => {
    const file = configFile('f.yaml', 'backends: ["127.0.0.1:1"]\nlisten: 127.0.0.1:1000\nlisten: 127.0.0.1:2000\n');
    expect(problemOf({ FULCRUM_CONFIG: file })).toContain('Map keys must be unique');
  });

  it('escapes that spell the same key count as the same key', () => {
    const file = configFile('f.json', '{"backends": ["127.0.0.1:1"], "list\\u0065n": "127.0.0.1:1000", "listen": "127.0.0.1:2000"}');
    expect(problemOf({ FULCRUM_CONFIG: file })).toContain('"listen" appears twice');
  });
});

describe('TLS certificate and key', () => {
  const site = makeCertificate('site.test');
  const other = makeCertificate('other.test');

  it('a matching pair loads', () => {
    expect(load({ ...BACKENDS, FULCRUM_TLS_CERT: site.cert, FULCRUM_TLS_KEY: site.key }).tlsCert).toBe(site.cert);
  });

  it('swapped paths are named as swapped', () => {
    const message = problemOf({ ...BACKENDS, FULCRUM_TLS_CERT: site.key, FULCRUM_TLS_KEY: site.cert });
    expect(message).toContain(
      `FULCRUM_TLS_CERT="${site.key}" is invalid: the certificate and key are swapped: this file holds the private key and ${site.cert} (FULCRUM_TLS_KEY) the certificate`,
    );
  });

  it('a key of another certificate names both files', () => {
    const message = problemOf({ ...BACKENDS, FULCRUM_TLS_CERT: site.cert, FULCRUM_TLS_KEY: other.key });
    expect(message).toContain(
      `FULCRUM_TLS_KEY="${other.key}" is invalid: this private key does not belong to the certificate in ${site.cert} (FULCRUM_TLS_CERT, subject CN=site.test)`,
    );
  });

  it('a certificate given twice says which file should hold the key', () => {
    expect(problemOf({ ...BACKENDS, FULCRUM_TLS_CERT: site.cert, FULCRUM_TLS_KEY: other.cert })).toContain(
      `FULCRUM_TLS_KEY="${other.cert}" is invalid: the file holds a certificate, not a private key`,
    );
  });

  it('an SNI pair in the file is loaded too', () => {
    const file = configFile(
      'f.yaml',
      `backends: ["127.0.0.1:1"]\ntls: {certificates: [{serverName: other.test, cert: ${other.cert}, key: ${site.key}}]}\n`,
    );
    const message = problemOf({ FULCRUM_CONFIG: file, FULCRUM_TLS_CERT: site.cert, FULCRUM_TLS_KEY: site.key });
    expect(message).toContain(
      `tls.certificates[0].key="${site.key}" is invalid: this private key does not belong to the certificate in ${other.cert}`,
    );
  });

  it('a certificate without a key names the missing variable, not a config file that was never given', () => {
    const message = problemOf({ ...BACKENDS, FULCRUM_TLS_CERT: site.cert });
    expect(message).toContain('FULCRUM_TLS_KEY="" is invalid: FULCRUM_TLS_CERT and FULCRUM_TLS_KEY go together');
    expect(message).not.toContain('config file');
  });
});
