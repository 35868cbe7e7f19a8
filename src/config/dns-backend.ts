// Backends named by DNS: "dns+a://name:port[*WEIGHT]" (A and AAAA records) and "dns+srv://_service._proto.name" (SRV).
import { isIP } from 'node:net';
import { InvalidValue } from './invalid-value.js';
import type { BackendConfig } from './types.js';

export type DnsRecordKind = 'a' | 'srv';

export interface DnsSourceConfig {
  kind: DnsRecordKind;
  /** The name queried, lower case, without a trailing dot. */
  name: string;
  /** dns+a: the port of every address; dns+srv: null (each SRV record gives its own). */
  port: number | null;
  /** As the user wrote it, without the weight: names the source in logs, /stats and /metrics. */
  url: string;
}

const DNS_PREFIX = /^dns\+/i;
// Labels of letters, digits and "-", where SRV names also have "_" ("_http._tcp.web.service.consul").
const DNS_NAME = /^(?=.{1,253}$)[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?)*$/;
const EXAMPLES = 'expected dns+a://name:port[*WEIGHT] or dns+srv://_service._proto.name, e.g. dns+a://web.internal:8080';

export function isDnsBackend(raw: string): boolean {
  return DNS_PREFIX.test(raw.trim());
}

function parseName(text: string, url: string): string {
  const name = text.replace(/\.$/, '').toLowerCase();
  if (isIP(name) || isIP(text.replace(/^\[|\]$/g, ''))) {
    throw new InvalidValue(`"${url}" names an IP address; write the backend as ip:port, without dns+`);
  }
  if (!DNS_NAME.test(name)) throw new InvalidValue(`"${text}" in "${url}" is not a DNS name; ${EXAMPLES}`);
  return name;
}

/**
 * A backend whose addresses come from DNS; its host is the name and, for SRV, its port 0 (each record has one).
 * `weight`: the "*WEIGHT" written after the URL (parsed by the caller), or null.
 */
export function parseDnsBackend(url: string, weight: number | null): BackendConfig {
  const match = /^dns\+(a|srv):\/\/(.+)$/i.exec(url);
  if (!match) throw new InvalidValue(`"${url}" is not a DNS backend; ${EXAMPLES}`);
  const kind = (match[1] as string).toLowerCase() as DnsRecordKind;
  const target = match[2] as string;
  if (kind === 'srv') {
    if (weight !== null) throw new InvalidValue(`"${url}*${weight}": SRV records give the weights; drop "*${weight}"`);
    if (/:\d*$/.test(target)) throw new InvalidValue(`"${url}": SRV records give the ports; drop the ":port"`);
    const name = parseName(target, url);
    return { address: url, host: name, port: 0, weight: 1, dns: { kind, name, port: null, url } };
  }
  const hostPort = /^(.+):(\d+)$/.exec(target);
  if (!hostPort) throw new InvalidValue(`"${url}" has no port; ${EXAMPLES}`);
  const port = Number(hostPort[2]);
  if (port < 1 || port > 65535) throw new InvalidValue(`port ${hostPort[2]} in "${url}" is out of range; expected 1 to 65535`);
  const name = parseName(hostPort[1] as string, url);
  return { address: url, host: name, port, weight: weight ?? 1, dns: { kind, name, port, url } };
}
