// The config file's `listeners:` section (http mode): more addresses beside FULCRUM_LISTEN, each with its
// own front and TLS choice, e.g. the uWS front for HTTP/1.1 traffic beside an `all` port for HTTP/2.
import type { L7Protocols } from './l7-types.js';
import { parseHostPort, parseOneOf } from './parsers.js';
import type { ConfigProblems } from './problems.js';
import { checkKeys, isMapping, scalarText } from './shape.js';
import type { HostPort } from './types.js';

export interface ListenerConfig {
  address: HostPort;
  protocols: L7Protocols;
  /** Serve HTTPS with FULCRUM_TLS_CERT/KEY and the tls.certificates (SNI) of the file. */
  tls: boolean;
}

const LISTENER_KEYS = ['listen', 'protocols', 'tls'] as const;

/** `defaults` give what an entry leaves out: FULCRUM_PROTOCOLS, and TLS when FULCRUM_TLS_CERT is set. */
export function parseListeners(
  value: unknown,
  where: string,
  defaults: { protocols: L7Protocols; tls: boolean },
  problems: ConfigProblems,
): ListenerConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.add(where, value, 'expected a list of {listen: HOST:PORT, protocols: http/1.1 | all, tls: true | false}');
    return [];
  }
  return value.flatMap((entry: unknown, index): ListenerConfig[] => {
    const at = `${where}[${index}]`;
    if (!isMapping(entry) || scalarText(entry.listen) === undefined) {
      problems.add(at, entry, 'expected {listen: HOST:PORT, protocols: http/1.1 | all, tls: true | false}');
      return [];
    }
    if (!checkKeys(entry, LISTENER_KEYS, at, problems)) return [];
    const address = problems.attempt(`${at}.listen`, entry.listen, () => parseHostPort(scalarText(entry.listen) as string));
    const protocols =
      entry.protocols === undefined
        ? defaults.protocols
        : problems.attempt(`${at}.protocols`, entry.protocols, () => parseOneOf(String(entry.protocols), ['http/1.1', 'all'] as const));
    if (entry.tls !== undefined && typeof entry.tls !== 'boolean') problems.add(`${at}.tls`, entry.tls, 'expected true or false');
    if (address === undefined || protocols === undefined || (entry.tls !== undefined && typeof entry.tls !== 'boolean')) return [];
    return [{ address, protocols, tls: (entry.tls as boolean | undefined) ?? defaults.tls }];
  });
}
