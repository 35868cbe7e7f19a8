// Rate limits (config file `rateLimit:` at the top level and on a route, http mode): a token bucket per key
// (client IP, a header, a cookie, the whole route, or a combination), kept in the process-wide native table
// (native/limits/token_buckets.h) so the limit is exact across every worker. Over it: 429 with Retry-After,
// or, with `action: delay`, a wait of up to maxDelay for the next token first (NGINX limit_req's delay).
import { InvalidValue, parseDuration } from './parsers.js';
import type { ConfigProblems } from './problems.js';
import { checkKeys, isMapping } from './shape.js';

export type RateLimitKeyPart = { kind: 'ip' } | { kind: 'header'; name: string } | { kind: 'cookie'; name: string } | { kind: 'route' };

export interface RateLimitConfig {
  /** Counters, logs and the bucket keys' prefix: "global" at the top level, "route N" on a route unless named. */
  name: string;
  /** One part, or several whose values together make the key (each must be present for the request to count). */
  key: RateLimitKeyPart[];
  ratePerSecond: number;
  /** Tokens a new or rested key starts with: requests that may come at once. */
  burst: number;
  /** How long a request over the limit may wait for its token before it is refused instead (0: reject at once). */
  maxDelayMs: number;
}

/** Keys the process-wide table holds before it forgets the least recently used (about 256 bytes each: ~25 MiB). */
export const RATE_LIMIT_KEYS = 100_000;

const LIMIT_KEYS = ['name', 'key', 'rate', 'burst', 'action', 'maxDelay'] as const;
const KEY_SHAPE = 'expected ip, header:NAME, cookie:NAME, route, or a list of them such as [ip, header:x-api-key]';
/** A delayed request holds a worker's memory and a client connection: a minute is already generous. */
const MAX_DELAY_MS = 60_000;
const RATE = /^(\d+(?:\.\d+)?)\s*\/\s*(s|m|h)$/;
const SECONDS = { s: 1, m: 60, h: 3_600 } as const;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

function parseKey(value: unknown): RateLimitKeyPart[] | null {
  const parts = (Array.isArray(value) ? value : [value]).map(parseKeyPart);
  if (parts.length === 0 || parts.some((part) => part === null)) return null;
  return parts as RateLimitKeyPart[];
}

function parseKeyPart(value: unknown): RateLimitKeyPart | null {
  if (value === undefined || value === 'ip') return { kind: 'ip' };
  if (value === 'route') return { kind: 'route' };
  if (typeof value !== 'string') return null;
  const [kind, name] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
  if ((kind === 'header' || kind === 'cookie') && TOKEN.test(name)) return { kind, name: kind === 'header' ? name.toLowerCase() : name };
  return null;
}

export function parseRateLimit(value: unknown, where: string, defaultName: string, problems: ConfigProblems): RateLimitConfig | undefined {
  if (!isMapping(value)) {
    problems.add(
      where,
      value,
      'expected {key: ip | header:NAME | cookie:NAME | route, rate: "100/s", burst: 200, action?: reject | delay}',
    );
    return undefined;
  }
  if (!checkKeys(value, LIMIT_KEYS, where, problems)) return undefined;
  const key = parseKey(value.key);
  if (key === null) problems.add(`${where}.key`, value.key, KEY_SHAPE);
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
  const maxDelayMs = parseDelay(value, where, problems);
  if (key === null || !(ratePerSecond > 0) || !Number.isInteger(burst) || burst < 1 || burst > 1_000_000) return undefined;
  if (maxDelayMs === undefined) return undefined;
  const name = typeof value.name === 'string' && value.name !== '' ? value.name : defaultName;
  return { name, key, ratePerSecond, burst, maxDelayMs };
}

/** `action: delay` waits up to `maxDelay` (default 1 s); `action: reject` (the default) waits for nothing. */
function parseDelay(value: Record<string, unknown>, where: string, problems: ConfigProblems): number | undefined {
  const action = value.action ?? 'reject';
  if (action !== 'reject' && action !== 'delay') {
    problems.add(`${where}.action`, action, 'expected reject (429 at once) or delay (wait up to maxDelay for a token, then 429)');
    return undefined;
  }
  if (action === 'reject') {
    if (value.maxDelay === undefined) return 0;
    problems.add(`${where}.maxDelay`, value.maxDelay, 'applies to action: delay only; add action: delay, or remove maxDelay');
    return undefined;
  }
  if (value.maxDelay === undefined) return 1_000;
  return problems.attempt(`${where}.maxDelay`, value.maxDelay, () => {
    const delay = parseDuration(String(value.maxDelay), { max: MAX_DELAY_MS });
    if (delay === 0) throw new InvalidValue('expected a wait above 0, such as 500ms (for none, use action: reject)');
    return delay;
  });
}
