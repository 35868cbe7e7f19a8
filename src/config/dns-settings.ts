// DNS discovery's rows of the settings schema: the resolver's servers and the bounds on how long an answer is kept.
import { isIP } from 'node:net';
import { InvalidValue } from './invalid-value.js';
import { formatDuration, parseDuration } from './parsers.js';
import type { ConfigProblems } from './problems.js';
import { spec } from './setting-spec.js';

export interface DnsSettings {
  /** "ip" or "ip:port" / "[ipv6]:port", as node:dns setServers takes them; empty = the system's (/etc/resolv.conf). */
  dnsServers: string[];
  dnsMinTtl: number;
  dnsMaxTtl: number;
}

function parseDnsServers(raw: string): string[] {
  if (raw.trim() === '') return [];
  return raw.split(',').map((entry) => {
    const server = entry.trim();
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
    const plain = /^([^:[\]]+)(?::(\d+))?$/.exec(server);
    const host = bracketed?.[1] ?? plain?.[1] ?? (isIP(server) === 6 ? server : '');
    const port = bracketed?.[2] ?? plain?.[2];
    if (!isIP(host) || (bracketed && isIP(host) !== 6) || (plain && isIP(host) !== 4)) {
      throw new InvalidValue(`"${server}" is not an IP address with an optional port; e.g. 127.0.0.1:5353,[::1]:53`);
    }
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
      throw new InvalidValue(`port ${port} of "${server}" is out of range; expected 1 to 65535`);
    }
    return server;
  });
}

export const DNS_SETTINGS = [
  spec({
    key: 'dnsServers',
    env: 'FULCRUM_DNS_SERVERS',
    flag: '--dns-servers',
    defaultText: '',
    accepted: 'ip[:port],... ([ipv6]:port)',
    description:
      'DNS servers that resolve dns+a:// and dns+srv:// backends, e.g. 127.0.0.1:8600 for Consul; empty: the system resolver (/etc/resolv.conf). See docs/discovery.md.',
    parse: parseDnsServers,
    format: (value) => value.join(','),
  }),
  spec({
    key: 'dnsMinTtl',
    env: 'FULCRUM_DNS_MIN_TTL',
    flag: '--dns-min-ttl',
    defaultText: '1s',
    accepted: 'duration, 100ms-1h',
    description:
      'A DNS backend is resolved again after its record TTL, but not sooner than this (a TTL of 0 too), and this often while the resolver fails.',
    parse: (raw) => parseDuration(raw, { min: 100, max: 3_600_000 }),
    format: formatDuration,
  }),
  spec({
    key: 'dnsMaxTtl',
    env: 'FULCRUM_DNS_MAX_TTL',
    flag: '--dns-max-ttl',
    defaultText: '5m',
    accepted: 'duration, 100ms-24h',
    description: 'A DNS backend is resolved again at least this often, however long its record TTL: bounds how late a change is seen.',
    parse: (raw) => parseDuration(raw, { min: 100, max: 86_400_000 }),
    format: formatDuration,
  }),
];

export function checkDnsTtls(settings: DnsSettings, where: (key: keyof DnsSettings) => string, problems: ConfigProblems): void {
  if (settings.dnsMinTtl > settings.dnsMaxTtl) {
    problems.add(
      where('dnsMinTtl'),
      formatDuration(settings.dnsMinTtl),
      `is above dnsMaxTtl (${formatDuration(settings.dnsMaxTtl)}); raise FULCRUM_DNS_MAX_TTL or lower FULCRUM_DNS_MIN_TTL`,
    );
  }
}
