// Rate limits (config file `rateLimit:` at the top level and on a route, http mode): a token bucket per key
// (client IP, a header, a cookie, or the whole route), kept in the process-wide native table
// (native/limits/token_buckets.h) so the limit is exact across every worker. Over it: 429 with Retry-After.
import type { ConfigProblems } from './problems.js';
import { checkKeys, isMapping } from './shape.js';

export type RateLimitKey = { kind: 'ip' } | { kind: 'header'; name: string } | { kind: 'cookie'; name: string } | { kind: 'route' };

export interface RateLimitConfig {
  /** Counters, logs and the bucket keys' prefix: "global" at the top level, "route N" on a route unless named. */
  name: string;
  key: RateLimitKey;
  ratePerSecond: number;
  /** Tokens a new or rested key starts with: requests that may come at once. */
  burst: number;
}

/** Keys the process-wide table holds before it forgets the least recently used (about 256 bytes each: ~25 MiB). */
export const RATE_LIMIT_KEYS = 100_000;

const LIMIT_KEYS = ['name', 'key', 'rate', 'burst'] as const;
const RATE = /^(\d+(?:\.\d+)?)\s*\/\s*(s|m|h)$/;
const SECONDS = { s: 1, m: 60, h: 3_600 } as const;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

function parseKey(value: unknown): RateLimitKey | null {
  if (value === undefined || value === 'ip') return { kind: 'ip' };
  if (value === 'route') return { kind: 'route' };
  if (typeof value !== 'string') return null;
  const [kind, name] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
  if ((kind === 'header' || kind === 'cookie') && TOKEN.test(name)) return { kind, name: kind === 'header' ? name.toLowerCase() : name };
  return null;
}

export function parseRateLimit(value: unknown, where: string, defaultName: string, problems: ConfigProblems): RateLimitConfig | undefined {
  if (!isMapping(value)) {
    problems.add(where, value, 'expected {key: ip | header:NAME | cookie:NAME | route, rate: "100/s", burst: 200}');
    return undefined;
  }
  if (!checkKeys(value, LIMIT_KEYS, where, problems)) return undefined;
  const key = parseKey(value.key);
  if (key === null) problems.add(`${where}.key`, value.key, 'expected ip, header:NAME, cookie:NAME or route');
  const rate = typeof value.rate === 'number' ? [String(value.rate), String(value.rate), 's'] : RATE.exec(String(value.rate ?? ''));
  const ratePerSecond = rate ? Number(rate[1]) / SECONDS[rate[2] as keyof typeof SECONDS] : Number.NaN;
  if (!(ratePerSecond > 0)) {
    problems.add(
      `${where}.rate`,
      value.rate,
      'expected requests per time above zero, such as "100/s", "600/m" or "10/h" (to refuse everything, use an access rule)',
    );
  }
  const burst = value.burst === undefined ? Math.max(1, Math.ceil(ratePerSecond)) : Number(value.burst);
  if (!Number.isInteger(burst) || burst < 1 || burst > 1_000_000) {
    problems.add(`${where}.burst`, value.burst, 'expected a whole number of requests from 1 to 1000000');
  }
  if (value.name !== undefined && (typeof value.name !== 'string' || value.name === '')) {
    problems.add(`${where}.name`, value.name, 'expected a name for counters and logs');
  }
  if (key === null || !(ratePerSecond > 0) || !Number.isInteger(burst) || burst < 1 || burst > 1_000_000) return undefined;
  return { name: typeof value.name === 'string' && value.name !== '' ? value.name : defaultName, key, ratePerSecond, burst };
}
