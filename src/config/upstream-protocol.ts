// How an L7 pool talks to its backends: HTTP/1.1 (the default), h2c (HTTP/2 in cleartext, by prior
// knowledge) or h2 (HTTP/2 over TLS, negotiated by ALPN, the certificate verified unless told otherwise).
// The config file's `pools.NAME.protocol` and `pools.NAME.tls`; FULCRUM_UPSTREAM_PROTOCOL for the default pool.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigProblems } from './problems.js';
import { checkKeys, type Document, isMapping } from './shape.js';

export const UPSTREAM_PROTOCOLS = ['http/1.1', 'h2c', 'h2'] as const;
export type UpstreamProtocol = (typeof UPSTREAM_PROTOCOLS)[number];

/** How an h2 pool checks its backends' certificates. Sent to workers as is, so the CA travels as PEM text. */
export interface UpstreamTlsConfig {
  /** PEM certificates trusted instead of the system's; null: the system's trust store. */
  ca: string | null;
  /** Where `ca` came from, for --check-config. */
  caFile: string | null;
  /** Accept any certificate (a test backend with a self-signed one); never the default. */
  insecure: boolean;
  /** SNI and the name the certificate must carry; null: the backend's host as written. */
  serverName: string | null;
}

export const UPSTREAM_TLS_KEYS = ['ca', 'insecure', 'serverName'] as const;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
const SERVER_NAME = /^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?$/;

export interface UpstreamProtocolOptions {
  protocol: UpstreamProtocol;
  upstreamTls: UpstreamTlsConfig | null;
}

/** An h2 pool without a `tls` key: the system's trust store, and the backend's host as the name to check. */
export function defaultUpstreamTls(protocol: UpstreamProtocol): UpstreamTlsConfig | null {
  return protocol === 'h2' ? { ca: null, caFile: null, insecure: false, serverName: null } : null;
}

/**
 * `pools.NAME.protocol` (else `defaultProtocol`, FULCRUM_UPSTREAM_PROTOCOL) and `pools.NAME.tls`;
 * `baseDirectory` resolves a relative CA path (the config file's folder).
 */
export function parseUpstreamProtocol(
  node: Document,
  at: string,
  defaultProtocol: UpstreamProtocol,
  baseDirectory: string,
  problems: ConfigProblems,
): UpstreamProtocolOptions {
  const options: UpstreamProtocolOptions = { protocol: defaultProtocol, upstreamTls: null };
  if (node.protocol !== undefined) {
    if (typeof node.protocol === 'string' && (UPSTREAM_PROTOCOLS as readonly string[]).includes(node.protocol)) {
      options.protocol = node.protocol as UpstreamProtocol;
    } else {
      problems.add(
        `${at}.protocol`,
        node.protocol,
        'expected http/1.1, h2c (HTTP/2 in cleartext, e.g. gRPC) or h2 (HTTP/2 over TLS); the backends must speak it',
      );
    }
  }
  if (node.tls === undefined) {
    options.upstreamTls = defaultUpstreamTls(options.protocol);
    return options;
  }
  if (options.protocol !== 'h2') {
    problems.add(`${at}.tls`, node.tls, 'tls applies to pools with protocol: h2; set protocol: h2 or remove tls');
    return options;
  }
  const tls = node.tls;
  if (!isMapping(tls)) {
    problems.add(`${at}.tls`, tls, 'expected {ca: PEM_FILE, serverName: NAME} or {insecure: true}');
    return options;
  }
  if (!checkKeys(tls, UPSTREAM_TLS_KEYS, `${at}.tls`, problems)) return options;
  const parsed: UpstreamTlsConfig = { ca: null, caFile: null, insecure: false, serverName: null };
  if (tls.insecure !== undefined) {
    if (typeof tls.insecure === 'boolean') parsed.insecure = tls.insecure;
    else problems.add(`${at}.tls.insecure`, tls.insecure, 'expected true or false');
  }
  if (tls.ca !== undefined) {
    if (parsed.insecure)
      problems.add(`${at}.tls.ca`, tls.ca, 'insecure: true checks no certificate, so a CA has no use; keep one of the two');
    else if (typeof tls.ca !== 'string') problems.add(`${at}.tls.ca`, tls.ca, 'expected the path of a PEM file of CA certificates');
    else readCa(resolve(baseDirectory, tls.ca), `${at}.tls.ca`, parsed, problems);
  }
  if (tls.serverName !== undefined) {
    if (typeof tls.serverName === 'string' && SERVER_NAME.test(tls.serverName)) parsed.serverName = tls.serverName;
    else problems.add(`${at}.tls.serverName`, tls.serverName, 'expected a host name such as api.internal');
  }
  options.upstreamTls = parsed;
  return options;
}

function readCa(path: string, where: string, parsed: UpstreamTlsConfig, problems: ConfigProblems): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.add(where, path, `the file cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); expected a PEM file`);
    return;
  }
  if (!PEM_CERTIFICATE.test(text)) {
    problems.add(where, path, 'the file holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the CA that signed the backends');
    return;
  }
  parsed.ca = text;
  parsed.caFile = path;
}
