// TLS termination settings: FULCRUM_TLS_CERT/KEY, the config file's `tls.certificates` (SNI) and the redirect listener.
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import type { L7Settings, TlsCertificateConfig } from './l7-types.js';
import type { ConfigProblems } from './problems.js';
import { checkKeys, isMapping } from './shape.js';
import { checkCertificatePair } from './tls-pair.js';

const TLS_KEYS = ['certificates'] as const;
const CERTIFICATE_KEYS = ['serverName', 'cert', 'key'] as const;
const SERVER_NAME = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function checkFile(where: string, path: string, problems: ConfigProblems): void {
  if (!readable(path)) problems.add(where, path, 'the file cannot be read; expected the path of a PEM file');
}

/** The file's `tls:` section; relative paths are taken from the config file's directory. */
export function parseTlsSection(value: unknown, where: string, baseDirectory: string, problems: ConfigProblems): TlsCertificateConfig[] {
  if (value === undefined) return [];
  if (!isMapping(value) || (value.certificates !== undefined && !Array.isArray(value.certificates))) {
    problems.add(where, value, 'expected {certificates: [{serverName, cert, key}, ...]}');
    return [];
  }
  if (!checkKeys(value, TLS_KEYS, where, problems) || value.certificates === undefined) return [];
  return (value.certificates as unknown[]).flatMap((entry: unknown, index): TlsCertificateConfig[] => {
    const at = `${where}.certificates[${index}]`;
    if (!isMapping(entry) || typeof entry.serverName !== 'string' || typeof entry.cert !== 'string' || typeof entry.key !== 'string') {
      problems.add(at, entry, 'expected {serverName: HOST, cert: PATH, key: PATH}');
      return [];
    }
    if (!checkKeys(entry, CERTIFICATE_KEYS, at, problems)) return [];
    const serverName = entry.serverName.toLowerCase();
    if (!SERVER_NAME.test(serverName)) {
      problems.add(`${at}.serverName`, entry.serverName, 'expected a host name such as api.example.com or *.example.com');
      return [];
    }
    const certificate = { serverName, cert: resolve(baseDirectory, entry.cert), key: resolve(baseDirectory, entry.key) };
    checkCertificatePair({ where: `${at}.cert`, path: certificate.cert }, { where: `${at}.key`, path: certificate.key }, problems);
    return [certificate];
  });
}

/** Cross-checks the TLS settings: cert and key come together, and SNI certificates and the redirect need them. */
export function checkTlsSettings(
  settings: L7Settings,
  certificates: TlsCertificateConfig[],
  where: (key: 'tlsCert' | 'tlsKey' | 'httpsRedirectListen') => string,
  sectionWhere: string,
  problems: ConfigProblems,
): void {
  const { tlsCert, tlsKey, httpsRedirectListen } = settings;
  if ((tlsCert === null) !== (tlsKey === null)) {
    const missing = tlsCert === null ? 'tlsCert' : 'tlsKey';
    problems.add(where(missing), '', 'FULCRUM_TLS_CERT and FULCRUM_TLS_KEY go together; give both paths');
  }
  if (tlsCert !== null && tlsKey !== null) {
    checkCertificatePair({ where: where('tlsCert'), path: tlsCert }, { where: where('tlsKey'), path: tlsKey }, problems);
  } else if (tlsCert !== null) {
    checkFile(where('tlsCert'), tlsCert, problems);
  } else if (tlsKey !== null) {
    checkFile(where('tlsKey'), tlsKey, problems);
  }
  if (tlsCert === null && certificates.length > 0) {
    problems.add(
      sectionWhere,
      certificates.map((entry) => entry.serverName),
      'SNI certificates need a default certificate; set FULCRUM_TLS_CERT and FULCRUM_TLS_KEY',
    );
  }
  if (tlsCert === null && httpsRedirectListen !== null) {
    problems.add(
      where('httpsRedirectListen'),
      httpsRedirectListen,
      'the redirect to HTTPS needs TLS; set FULCRUM_TLS_CERT and FULCRUM_TLS_KEY',
    );
  }
}
