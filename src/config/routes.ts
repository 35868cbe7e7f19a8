// The config file's `routes:` section: an ordered list of matches, each pointing at a pool or a split of pools.

import { parseAccessRules } from './access-rules.js';
import { parseMaxConnectionsPerIp } from './connection-limits.js';
import { compileRegex, parseHeaders } from './field-matches.js';
import type { ConfigProblems } from './problems.js';
import { parseRateLimit } from './rate-limit.js';
import { parseRouteCaps } from './request-caps.js';
import { parseSplit, SPLIT_ROUTE_KEYS } from './route-split.js';
import { checkKeys, isMapping, stringList } from './shape.js';
import type { RouteConfig, RouteMatch } from './types.js';
import { parseWaf } from './waf.js';

const ROUTE_KEYS = [
  'match',
  'pool',
  'stripPrefix',
  'access',
  'rateLimit',
  'maxConnectionsPerIp',
  'maxRequests',
  'waf',
  ...SPLIT_ROUTE_KEYS,
] as const;
const MATCH_KEYS = ['host', 'pathPrefix', 'pathRegex', 'method', 'headers'] as const;
const METHOD = /^[A-Z]+$/;
const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

function parseMatch(value: unknown, where: string, problems: ConfigProblems): RouteMatch | undefined {
  if (value === undefined) return {};
  if (!isMapping(value)) {
    problems.add(where, value, `expected a mapping with any of: ${MATCH_KEYS.join(', ')}`);
    return undefined;
  }
  if (!checkKeys(value, MATCH_KEYS, where, problems)) return undefined;
  const match: RouteMatch = {};
  if (value.host !== undefined) {
    const hosts = stringList(value.host)?.map((host) => host.toLowerCase());
    if (!hosts || hosts.some((host) => !HOST_PATTERN.test(host))) {
      problems.add(`${where}.host`, value.host, 'expected a host name or "*.domain" wildcard, or a list of them');
      return undefined;
    }
    match.hosts = hosts;
  }
  if (value.pathPrefix !== undefined) {
    if (typeof value.pathPrefix !== 'string' || !value.pathPrefix.startsWith('/')) {
      problems.add(`${where}.pathPrefix`, value.pathPrefix, 'expected a path starting with "/"');
      return undefined;
    }
    match.pathPrefix = value.pathPrefix;
  }
  if (value.pathRegex !== undefined) {
    const regex = problems.attempt(`${where}.pathRegex`, value.pathRegex, () => compileRegex(value.pathRegex));
    if (!regex) return undefined;
    match.pathRegex = regex;
  }
  if (value.method !== undefined) {
    const methods = stringList(value.method)?.map((method) => method.toUpperCase());
    if (!methods || methods.some((method) => !METHOD.test(method))) {
      problems.add(`${where}.method`, value.method, 'expected an HTTP method such as GET, or a list of them');
      return undefined;
    }
    match.methods = methods;
  }
  if (value.headers !== undefined) {
    const headers = parseHeaders(value.headers, `${where}.headers`, problems);
    if (!headers) return undefined;
    match.headers = headers;
  }
  return match;
}

export function parseRoutes(
  value: unknown,
  where: string,
  poolNames: Set<string>,
  problems: ConfigProblems,
  /** Where relative WAF rule files are found: the config file's directory. */
  baseDir = process.cwd(),
): RouteConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.add(where, value, 'expected a list of {match, pool} or {match, split}');
    return [];
  }
  return value.flatMap((node: unknown, index): RouteConfig[] => {
    const at = `${where}[${index}]`;
    if (!isMapping(node)) {
      problems.add(at, node, 'expected {match: {...}, pool: NAME}');
      return [];
    }
    if (!checkKeys(node, ROUTE_KEYS, at, problems)) return [];
    const match = parseMatch(node.match, `${at}.match`, problems);
    const limit = node.rateLimit === undefined ? undefined : parseRateLimit(node.rateLimit, `${at}.rateLimit`, `route ${index}`, problems);
    const caps = parseRouteCaps(node, at, index, problems);
    const access = {
      ...(node.access === undefined ? {} : { access: parseAccessRules(node.access, `${at}.access`, problems) }),
      ...(limit === undefined ? {} : { rateLimits: [limit] }),
      ...(caps === undefined ? {} : { caps }),
      ...(node.waf === undefined
        ? {}
        : { waf: node.waf === 'off' || node.waf === false ? null : parseWaf(node.waf, `${at}.waf`, baseDir, problems) }),
    };
    const stripPrefix = parseStripPrefix(node.stripPrefix, match, `${at}.stripPrefix`, problems);
    if (node.split !== undefined) {
      if (node.pool !== undefined) problems.add(`${at}.pool`, node.pool, 'give pool or split, not both');
      const split = parseSplit(node, at, poolNames, problems);
      return match && split && stripPrefix !== undefined && node.pool === undefined ? [{ match, split, stripPrefix, ...access }] : [];
    }
    const stray = SPLIT_ROUTE_KEYS.find((key) => node[key] !== undefined);
    if (stray) problems.add(`${at}.${stray}`, node[stray], 'only a route with split: can have it');
    if (typeof node.pool !== 'string' || !poolNames.has(node.pool)) {
      const known = [...poolNames].join(', ') || 'none are configured';
      problems.add(`${at}.pool`, node.pool, `expected the name of a configured pool (${known})`);
      return [];
    }
    return match && stripPrefix !== undefined && !stray ? [{ match, pool: node.pool, stripPrefix, ...access }] : [];
  });
}

function parseStripPrefix(value: unknown, match: RouteMatch | undefined, where: string, problems: ConfigProblems): boolean | undefined {
  if (value === undefined || value === false) return false;
  if (value !== true) {
    problems.add(where, value, 'expected true or false');
    return undefined;
  }
  if (match && !match.pathPrefix) {
    problems.add(where, value, 'stripPrefix needs match.pathPrefix (the prefix it removes)');
    return undefined;
  }
  return true;
}
