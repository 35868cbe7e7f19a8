// A route's `split:` (weighted A/B or canary arms), `splitKey` and `forceHeader`/`forceCookie`.
import { COOKIE_NAME } from './l7-pools.js';
import type { SplitArm, SplitConfig, SplitKey } from './l7-types.js';
import { InvalidValue, parseWeight } from './parsers.js';
import type { ConfigProblems } from './problems.js';
import { checkKeys, type Document, isMapping } from './shape.js';

export const SPLIT_ROUTE_KEYS = ['split', 'splitKey', 'forceHeader', 'forceCookie'] as const;
const ARM_KEYS = ['pool', 'weight'] as const;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function parseSplitKey(raw: unknown): SplitKey {
  if (raw === 'ip') return { kind: 'ip' };
  const match = typeof raw === 'string' ? /^(header|cookie):(.+)$/.exec(raw) : null;
  const name = match?.[2]?.trim() ?? '';
  if (match?.[1] === 'header' && HEADER_NAME.test(name)) return { kind: 'header', name: name.toLowerCase() };
  if (match?.[1] === 'cookie' && COOKIE_NAME.test(name)) return { kind: 'cookie', name };
  throw new InvalidValue('expected ip, header:NAME or cookie:NAME');
}

function parseArms(value: unknown, at: string, poolNames: Set<string>, problems: ConfigProblems): SplitArm[] | undefined {
  if (!Array.isArray(value) || value.length < 2) {
    problems.add(at, value, 'expected a list of at least two {pool: NAME, weight: N}');
    return undefined;
  }
  const arms: SplitArm[] = [];
  value.forEach((entry: unknown, index) => {
    const armAt = `${at}[${index}]`;
    if (!isMapping(entry)) {
      problems.add(armAt, entry, 'expected {pool: NAME, weight: N}');
      return;
    }
    if (!checkKeys(entry, ARM_KEYS, armAt, problems)) return;
    if (typeof entry.pool !== 'string' || !poolNames.has(entry.pool)) {
      problems.add(
        `${armAt}.pool`,
        entry.pool,
        `expected the name of a configured pool (${[...poolNames].join(', ') || 'none are configured'})`,
      );
      return;
    }
    if (arms.some((arm) => arm.pool === entry.pool)) {
      problems.add(`${armAt}.pool`, entry.pool, 'each pool may appear in a split only once');
      return;
    }
    const weight = problems.attempt(`${armAt}.weight`, entry.weight, () => parseWeight(entry.weight as number));
    if (weight !== undefined) arms.push({ pool: entry.pool, weight });
  });
  return arms.length === value.length ? arms : undefined;
}

/** The route's split, or undefined after recording problems. Call only when the route has `split`. */
export function parseSplit(node: Document, at: string, poolNames: Set<string>, problems: ConfigProblems): SplitConfig | undefined {
  const arms = parseArms(node.split, `${at}.split`, poolNames, problems);
  const key = node.splitKey === undefined ? null : problems.attempt(`${at}.splitKey`, node.splitKey, () => parseSplitKey(node.splitKey));
  let forceHeader: string | null = null;
  if (node.forceHeader !== undefined) {
    if (typeof node.forceHeader === 'string' && HEADER_NAME.test(node.forceHeader)) forceHeader = node.forceHeader.toLowerCase();
    else problems.add(`${at}.forceHeader`, node.forceHeader, "expected a header name; its value names the arm's pool");
  }
  let forceCookie: string | null = null;
  if (node.forceCookie !== undefined) {
    if (typeof node.forceCookie === 'string' && COOKIE_NAME.test(node.forceCookie)) forceCookie = node.forceCookie;
    else problems.add(`${at}.forceCookie`, node.forceCookie, "expected a cookie name; its value names the arm's pool");
  }
  if (!arms || key === undefined) return undefined;
  return { arms, key, forceHeader, forceCookie };
}
