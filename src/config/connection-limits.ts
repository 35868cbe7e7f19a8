// Connection-level controls: `maxConnectionsPerIp` (top level in tcp and http mode, and per route in http mode),
// and what tcp mode takes of the top-level `access:` and `rateLimit:` (client addresses only: it sees no HTTP).
// udp mode has none of them and refuses them rather than ignore them.
import type { AccessRule } from './access-rules.js';
import type { CidrBlock } from './cidr.js';
import type { L4ListenerConfig } from './l4-listeners.js';
import type { ConfigProblems } from './problems.js';
import type { RateLimitConfig } from './rate-limit.js';
import type { Mode } from './types.js';

/** A tcp-mode access rule: the client's address decides. */
export interface AddressAccessRule {
  /** In /stats, /metrics and the access log. */
  name: string;
  action: 'allow' | 'deny';
  /** Empty: every client (a final deny-all). */
  cidrs: CidrBlock[];
}

/** tcp mode's connection controls from the file's top level (native/l4/connection_gate.h enforces them). */
export interface TcpAccessConfig {
  /** In order; the first whose CIDRs hold the client decides; a client none matches is allowed. */
  rules: AddressAccessRule[];
  /** `rateLimit` (key ip): new connections per client IP. */
  connectionRate: RateLimitConfig | null;
}

export const NO_TCP_ACCESS: TcpAccessConfig = { rules: [], connectionRate: null };

/** The native access log keeps a rule's index in one byte. */
const MAX_TCP_RULES = 254;
const MAX_PER_IP = 1_000_000;

export function parseMaxConnectionsPerIp(value: unknown, where: string, problems: ConfigProblems): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_PER_IP) return value;
  problems.add(
    where,
    value,
    `expected a whole number of concurrent connections per client IP from 1 to ${MAX_PER_IP} (leave maxConnectionsPerIp out for no cap)`,
  );
  return undefined;
}

// The matchers tcp mode cannot see, by the config file's names.
const HTTP_MATCHERS: ReadonlyArray<[keyof AccessRule, string]> = [
  ['methods', 'method'],
  ['pathPrefix', 'pathPrefix'],
  ['pathRegex', 'pathRegex'],
  ['headers', 'headers'],
  ['query', 'query'],
];

/**
 * tcp mode: the top-level rules as address rules, and the rate limit as a connection-rate limit per client IP.
 * Anything tcp mode cannot honour is a problem naming it; `raw` is the file's `access` list (for the rules' keys).
 */
export function tcpAccess(
  rules: AccessRule[],
  raw: unknown,
  limit: RateLimitConfig | undefined,
  where: (key: 'access' | 'rateLimit') => string,
  problems: ConfigProblems,
): TcpAccessConfig {
  rules.forEach((rule, index) => {
    const http = HTTP_MATCHERS.filter(([field]) => rule[field] !== undefined).map(([, key]) => key);
    if (http.length === 0) return;
    problems.add(
      `${where('access')}[${index}].${rule.action}`,
      Array.isArray(raw) ? raw[index] : rule.name,
      `tcp mode matches the client address only (cidr); remove ${http.join(', ')}, or use FULCRUM_MODE=http for HTTP matchers`,
    );
  });
  if (rules.length > MAX_TCP_RULES) {
    problems.add(
      where('access'),
      `${rules.length} rules`,
      `tcp mode takes at most ${MAX_TCP_RULES} rules; merge CIDR lists into fewer rules`,
    );
  }
  if (limit !== undefined && (limit.key.length !== 1 || limit.key[0]?.kind !== 'ip')) {
    problems.add(
      `${where('rateLimit')}.key`,
      limit.key.map((part) => part.kind).join(', '),
      'tcp mode limits new connections per client IP only: use key: ip (headers, cookies and routes are http mode)',
    );
  }
  if (limit !== undefined && limit.maxDelayMs > 0) {
    problems.add(
      `${where('rateLimit')}.action`,
      'delay',
      'tcp mode refuses a connection over the rate at accept and cannot hold it: use action: reject (the default)',
    );
  }
  return {
    rules: rules.map((rule) => ({ name: rule.name, action: rule.action, cidrs: rule.cidrs ?? [] })),
    connectionRate: limit ?? null,
  };
}

const CONNECTION_KEYS = ['access', 'rateLimit', 'maxConnectionsPerIp'] as const;

/**
 * UDP has no connection to refuse: in udp mode, or in tcp mode with a udp listener among `listeners`, each
 * given key is a problem rather than silently not applied to the datagrams.
 */
export function refuseWithUdp(
  mode: Mode,
  l4Listeners: readonly L4ListenerConfig[],
  file: Record<string, unknown>,
  where: (key: string) => string,
  problems: ConfigProblems,
): void {
  const udpListener = l4Listeners.findIndex((listener) => listener.transport === 'udp');
  if (mode !== 'udp' && (mode !== 'tcp' || udpListener < 0)) return;
  for (const key of CONNECTION_KEYS) {
    if (file[key] === undefined) continue;
    problems.add(
      where(key),
      '…',
      mode === 'udp'
        ? `${key} applies to http and tcp mode; udp mode has no connections to refuse, so remove it`
        : `${key} applies to TCP connections, and listeners[${udpListener}] is udp, which has none; remove one of them (a separate Fulcrum can serve the UDP port)`,
    );
  }
}
