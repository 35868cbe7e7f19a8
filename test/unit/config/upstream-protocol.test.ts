// A pool's upstream protocol (pools.NAME.protocol and tls, FULCRUM_UPSTREAM_PROTOCOL): what loads, and what
// is refused with the fix.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { configRefusal } from '../../helpers/config-file.js';
import { makeCertificate } from '../../helpers/tls-files.js';

/** Loads one pool "api" with the given extra lines (YAML, indented under the pool), routed to. */
function withPool(lines: string[], env: Record<string, string> = {}) {
  const folder = mkdtempSync(join(tmpdir(), 'fulcrum-upstream-protocol-'));
  const path = join(folder, 'fulcrum.yaml');
  const pool = ['pools:', '  api:', '    backends: ["127.0.0.1:9001"]', ...lines.map((line) => `    ${line}`)];
  writeFileSync(path, [...pool, 'routes:', '  - { match: { pathPrefix: / }, pool: api }', ''].join('\n'));
  return loadConfig({ env: { FULCRUM_CONFIG: path, ...env }, flags: new Map() });
}

describe('pools.NAME.protocol', () => {
  it('defaults to HTTP/1.1, or to FULCRUM_UPSTREAM_PROTOCOL', () => {
    expect(withPool([]).pools[0]).toMatchObject({ protocol: 'http/1.1', upstreamTls: null });
    expect(withPool([], { FULCRUM_UPSTREAM_PROTOCOL: 'h2c' }).pools[0]).toMatchObject({ protocol: 'h2c', upstreamTls: null });
  });

  it('gives an h2 pool without tls the system trust store and the backend host as the name', () => {
    expect(withPool(['protocol: h2']).pools[0]?.upstreamTls).toEqual({ ca: null, caFile: null, insecure: false, serverName: null });
  });

  it('reads the CA of an h2 pool relative to the config file, and its server name', () => {
    const certificate = makeCertificate('backend.test');
    const pool = withPool(['protocol: h2', `tls: { ca: ${certificate.cert}, serverName: backend.test }`]).pools[0];
    expect(pool?.upstreamTls).toMatchObject({ caFile: certificate.cert, insecure: false, serverName: 'backend.test' });
    expect(pool?.upstreamTls?.ca).toContain('-----BEGIN CERTIFICATE-----');
  });

  it.each([
    [['protocol: http2'], /pools\.api\.protocol.*expected http\/1\.1, h2c .* or h2/],
    [['protocol: h2c', 'tls: { insecure: true }'], /pools\.api\.tls.*set protocol: h2 or remove tls/],
    [['protocol: h2', 'tls: { ca: /nonexistent/ca.pem }'], /pools\.api\.tls\.ca.*cannot be read \(ENOENT\)/],
    [['protocol: h2', 'tls: { insecure: yes-please }'], /pools\.api\.tls\.insecure.*expected true or false/],
    [['protocol: h2', 'tls: { verify: false }'], /pools\.api\.tls.*verify/],
    [['protocol: h2', 'tls: { serverName: "bad name" }'], /pools\.api\.tls\.serverName.*host name/],
  ])('refuses %j', (lines, message) => {
    expect(configRefusal(() => withPool(lines))).toMatch(message);
  });

  it('refuses a CA together with insecure: true, and a CA file that holds no certificate', () => {
    const certificate = makeCertificate('backend.test');
    expect(configRefusal(() => withPool(['protocol: h2', `tls: { ca: ${certificate.cert}, insecure: true }`]))).toMatch(
      /insecure: true checks no certificate/,
    );
    expect(configRefusal(() => withPool(['protocol: h2', `tls: { ca: ${certificate.key} }`]))).toMatch(/holds no PEM certificate/);
  });

  it('refuses an HTTP/2 upstream in tcp mode', () => {
    const message = configRefusal(() =>
      loadConfig({ env: { FULCRUM_MODE: 'tcp', FULCRUM_BACKENDS: '127.0.0.1:9001', FULCRUM_UPSTREAM_PROTOCOL: 'h2c' }, flags: new Map() }),
    );
    expect(message).toMatch(/FULCRUM_UPSTREAM_PROTOCOL.*tcp mode relays bytes/);
  });
});
