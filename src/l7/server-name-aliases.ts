// SNI names in any letter case: uWS 20.30 matches a client's server name against its SNI table byte for
// byte, so `A.TEST` got the default certificate where `a.test` was configured. DNS names are
// case-insensitive (RFC 4343), so a name uWS misses is looked up here in lower case and, when a configured
// name (or wildcard) matches, added to uWS under the spelling the client sent. Worker thread only.
import type { TlsCertificateConfig } from '../config/l7-types.js';

/**
 * Case spellings one worker adds at most. Each costs uWS a TLS context (the certificate files are read
 * again, inside the handshake) and a router; a client could otherwise mint 2^letters spellings of a name.
 * Past the limit, a new spelling gets the default certificate, as before.
 */
export const MAX_SERVER_NAME_ALIASES = 64;

export interface ServerNameAlias {
  /** What to register with uWS: the name as the client sent it, or `*.` + its parent for a wildcard match. */
  serverName: string;
  certificate: TlsCertificateConfig;
}

/** Finds, for a server name uWS did not know, the configured certificate it names in another case. */
export function serverNameAliases(certificates: TlsCertificateConfig[]): (sentName: string) => ServerNameAlias | null {
  const byName = new Map(certificates.map((certificate) => [certificate.serverName.toLowerCase(), certificate]));
  let added = 0;
  return (sentName) => {
    if (added >= MAX_SERVER_NAME_ALIASES) return null;
    const name = sentName.toLowerCase();
    const exact = byName.get(name);
    // A wildcard covers one label, as in uWS: `*.b.test` matches `x.b.test`, not `b.test` or `y.x.b.test`.
    const firstDot = name.indexOf('.');
    const wildcard = exact === undefined && firstDot > 0 ? byName.get(`*${name.slice(firstDot)}`) : undefined;
    if (exact !== undefined && sentName !== name) {
      added++;
      return { serverName: sentName, certificate: exact };
    }
    if (wildcard !== undefined && sentName.slice(firstDot) !== name.slice(firstDot)) {
      added++;
      // `*.B.TEST` then serves every other label under that spelling of the parent with one alias.
      return { serverName: `*${sentName.slice(firstDot)}`, certificate: wildcard };
    }
    return null;
  };
}
