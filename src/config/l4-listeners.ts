// The config file's `listeners:` in tcp and udp mode: more addresses beside FULCRUM_LISTEN over the same
// backends, each TCP or UDP, so one process serves a protocol that runs over both (DNS on 53/udp and 53/tcp).
import { overlaps } from './cross-checks.js';
import { formatHostPort, parseHostPort, parseOneOf } from './parsers.js';
import type { ConfigProblems } from './problems.js';
import { checkKeys, isMapping, scalarText } from './shape.js';
import type { HostPort } from './types.js';

export type Transport = 'tcp' | 'udp';

export interface L4ListenerConfig {
  address: HostPort;
  transport: Transport;
}

const L4_LISTENER_KEYS = ['listen', 'protocol'] as const;
const SHAPE = 'expected {listen: HOST:PORT, protocol: tcp | udp}';

/**
 * `mode` is the main listener's transport (FULCRUM_MODE): an extra listener may share its port number only
 * with the other transport, and two extra listeners only across transports too.
 */
export function parseL4Listeners(
  value: unknown,
  where: string,
  main: HostPort,
  mode: Transport,
  problems: ConfigProblems,
): L4ListenerConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.add(where, value, `${SHAPE} entries in a list`);
    return [];
  }
  const taken: [string, L4ListenerConfig][] = [[`FULCRUM_LISTEN (${mode})`, { address: main, transport: mode }]];
  return value.flatMap((entry: unknown, index): L4ListenerConfig[] => {
    const at = `${where}[${index}]`;
    if (!isMapping(entry) || scalarText(entry.listen) === undefined || entry.protocol === undefined) {
      problems.add(at, entry, SHAPE);
      return [];
    }
    if (!checkKeys(entry, L4_LISTENER_KEYS, at, problems)) return [];
    const address = problems.attempt(`${at}.listen`, entry.listen, () => parseHostPort(scalarText(entry.listen) as string));
    const transport = problems.attempt(`${at}.protocol`, entry.protocol, () => parseOneOf(String(entry.protocol), ['tcp', 'udp'] as const));
    if (address === undefined || transport === undefined) return [];
    const listener = { address, transport };
    const clash = taken.find(([, other]) => other.transport === transport && overlaps(other.address, address));
    if (clash) {
      problems.add(`${at}.listen`, formatHostPort(address), `${transport} on this address is already ${clash[0]}; give it another port`);
      return [];
    }
    taken.push([`${at}`, listener]);
    return [listener];
  });
}
