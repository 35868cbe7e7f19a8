// Concurrency caps of http mode (config file): `maxConnectionsPerIp` at the top level (one count per client
// address across every route) and on a route (that route's own count per address), and a route's
// `maxRequests` (its requests in flight from everyone). Like NGINX's limit_conn in http, a "connection"
// here is a request in flight (an HTTP/2 stream, an open WebSocket): what costs a backend. The counts live
// in the process-wide native table (native/limits/concurrency_counts.h), exact across workers; over a cap: 503.
import { parseMaxConnectionsPerIp } from './connection-limits.js';
import type { ConfigProblems } from './problems.js';

export interface ConcurrencyCap {
  /** In counters and logs. */
  name: string;
  /** Counted per client address (the one a trusted proxy forwarded for), or for the route as a whole. */
  per: 'ip' | 'route';
  max: number;
  /** The count's key prefix: `global` for the top-level cap (shared by every route), else the route's. */
  scope: string;
}

/** Keys the process-wide table holds at most (about 160 bytes each: ~16 MiB); past it a new key is refused. */
export const CONCURRENCY_KEYS = 100_000;
const MAX_CAP = 1_000_000;

/** The top-level `maxConnectionsPerIp` (parsed with tcp mode's, connection-limits.ts) as every route's first cap. */
export function globalIpCap(max: number): ConcurrencyCap {
  return { name: 'maxConnectionsPerIp', per: 'ip', max, scope: 'global' };
}

/** A route's own `maxConnectionsPerIp` and `maxRequests`; undefined when it has neither (or one is invalid). */
export function parseRouteCaps(
  node: Record<string, unknown>,
  at: string,
  index: number,
  problems: ConfigProblems,
): ConcurrencyCap[] | undefined {
  const scope = `route ${index}`;
  const caps: ConcurrencyCap[] = [];
  if (node.maxConnectionsPerIp !== undefined) {
    const max = parseMaxConnectionsPerIp(node.maxConnectionsPerIp, `${at}.maxConnectionsPerIp`, problems);
    if (max !== undefined) caps.push({ name: `${scope} maxConnectionsPerIp`, per: 'ip', max, scope });
  }
  if (node.maxRequests !== undefined) {
    const max = node.maxRequests;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_CAP) {
      problems.add(
        `${at}.maxRequests`,
        max,
        `expected a whole number of requests in flight on the route from 1 to ${MAX_CAP} (leave it out for no cap)`,
      );
    } else caps.push({ name: `${scope} maxRequests`, per: 'route', max, scope });
  }
  return caps.length > 0 ? caps : undefined;
}
