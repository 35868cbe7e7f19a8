// Access rules (config file `access:` at the top level and on a route, http mode): allow or deny a request
// by client address (CIDR), method, path, header or query parameter. The first rule that matches decides;
// a request no rule matches is allowed. A rule with no conditions matches every request (a final deny-all).
import { type CidrBlock, parseCidrList } from './cidr.js';
import { compileRegex, parseHeaders } from './field-matches.js';
import { InvalidValue } from './parsers.js';
import type { ConfigProblems } from './problems.js';
import type { RateLimitConfig } from './rate-limit.js';
import type { ConcurrencyCap } from './request-caps.js';
import { checkKeys, isMapping, stringList } from './shape.js';
import { DEFAULT_POOL, type HeaderMatch, type RouteConfig } from './types.js';
import type { WafConfig } from './waf.js';

export interface AccessRule {
  /** Named in the 403's log line and message; "rule N" when not given. */
  name: string;
  action: 'allow' | 'deny';
  /** The client's address (with FULCRUM_TRUSTED_PROXIES, the address they forwarded for) is in one of these. */
  cidrs?: CidrBlock[];
  methods?: string[];
  pathPrefix?: string;
  pathRegex?: RegExp;
  /** Present (name alone), equal to, or matching. */
  headers?: HeaderMatch[];
  /** Query parameters, the same way as headers (names compared in lower case, as header names are). */
  query?: HeaderMatch[];
}

const RULE_KEYS = ['name', 'allow', 'deny'] as const;
const CONDITION_KEYS = ['cidr', 'method', 'pathPrefix', 'pathRegex', 'headers', 'query'] as const;
const SHAPE = 'expected {name?: TEXT, deny: {cidr?, method?, pathPrefix?, pathRegex?, headers?, query?}} or the same with allow:';
const METHOD = /^[A-Z]+$/;

export function parseAccessRules(value: unknown, where: string, problems: ConfigProblems): AccessRule[] {
  if (!Array.isArray(value)) {
    problems.add(where, value, `expected a list of rules: ${SHAPE}`);
    return [];
  }
  return value.flatMap((entry: unknown, index): AccessRule[] => {
    const at = `${where}[${index}]`;
    if (!isMapping(entry) || (entry.allow === undefined) === (entry.deny === undefined)) {
      problems.add(at, entry, `${SHAPE}; give exactly one of allow and deny`);
      return [];
    }
    if (!checkKeys(entry, RULE_KEYS, at, problems)) return [];
    if (entry.name !== undefined && (typeof entry.name !== 'string' || entry.name === '')) {
      problems.add(`${at}.name`, entry.name, 'expected a name for the log, such as block-admin');
      return [];
    }
    const action = entry.allow !== undefined ? 'allow' : 'deny';
    const conditions = entry[action] ?? {};
    const conditionsAt = `${at}.${action}`;
    if (!isMapping(conditions)) {
      problems.add(conditionsAt, conditions, `expected a mapping with any of: ${CONDITION_KEYS.join(', ')} ({} matches every request)`);
      return [];
    }
    if (!checkKeys(conditions, CONDITION_KEYS, conditionsAt, problems)) return [];
    const rule: AccessRule = { name: typeof entry.name === 'string' ? entry.name : `rule ${index}`, action };
    let valid = true;
    const attempt = <T>(key: string, parse: () => T): T | undefined => {
      const parsed = problems.attempt(`${conditionsAt}.${key}`, conditions[key], parse);
      if (parsed === undefined) valid = false;
      return parsed;
    };
    if (conditions.cidr !== undefined) {
      rule.cidrs = attempt('cidr', () => {
        const list = stringList(conditions.cidr);
        if (!list || list.length === 0) throw new InvalidValue('expected CIDR blocks such as 10.0.0.0/8 or 2001:db8::/32');
        return parseCidrList(list.join(','));
      });
    }
    if (conditions.method !== undefined) {
      rule.methods = attempt('method', () => {
        const list = stringList(conditions.method);
        if (!list || list.length === 0 || list.some((method) => !METHOD.test(method))) {
          throw new InvalidValue('expected upper-case methods such as GET or [POST, PUT]');
        }
        return list;
      });
    }
    if (conditions.pathPrefix !== undefined) {
      rule.pathPrefix = attempt('pathPrefix', () => {
        if (typeof conditions.pathPrefix !== 'string' || !conditions.pathPrefix.startsWith('/'))
          throw new InvalidValue('expected a path starting with /');
        return conditions.pathPrefix;
      });
    }
    if (conditions.pathRegex !== undefined) rule.pathRegex = attempt('pathRegex', () => compileRegex(conditions.pathRegex));
    for (const key of ['headers', 'query'] as const) {
      if (conditions[key] === undefined) continue;
      const parsed = parseHeaders(conditions[key], `${conditionsAt}.${key}`, problems);
      if (parsed === undefined) valid = false;
      else rule[key] = parsed;
    }
    return valid ? [rule] : [];
  });
}

/**
 * The top-level rules, rate limit and per-address cap go first on every route. Without routes, a catch-all route to the
 * default pool carries them (the worker's implicit route has none).
 */
export function withGlobalAccess(
  routes: RouteConfig[],
  global: AccessRule[],
  globalLimit: RateLimitConfig | undefined,
  globalCap: ConcurrencyCap | undefined,
  hasDefaultPool: boolean,
  /** The top-level WAF: on every route that has none of its own (and no `waf: off`). */
  globalWaf?: WafConfig,
): RouteConfig[] {
  const limits = globalLimit === undefined ? [] : [globalLimit];
  const caps = globalCap === undefined ? [] : [globalCap];
  if (global.length === 0 && limits.length === 0 && caps.length === 0 && globalWaf === undefined) return routes;
  const guarded = (route: RouteConfig): RouteConfig => ({
    ...route,
    ...(global.length > 0 || route.access ? { access: [...global, ...(route.access ?? [])] } : {}),
    ...(limits.length > 0 || route.rateLimits ? { rateLimits: [...limits, ...(route.rateLimits ?? [])] } : {}),
    ...(caps.length > 0 || route.caps ? { caps: [...caps, ...(route.caps ?? [])] } : {}),
    ...(route.waf === undefined && globalWaf !== undefined ? { waf: globalWaf } : {}),
  });
  if (routes.length === 0 && hasDefaultPool) return [guarded({ match: {}, pool: DEFAULT_POOL, stripPrefix: false })];
  return routes.map(guarded);
}
