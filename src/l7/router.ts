// Picks the route of a request: the first route whose every condition matches wins.
import type { HeaderMatch, RouteConfig } from '../config/types.js';

export interface RoutableRequest {
  /** Host header without port, lower-case. */
  host: string;
  path: string;
  method: string;
  header(name: string): string;
}

function hostMatches(patterns: string[], host: string): boolean {
  return patterns.some((pattern) =>
    pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern,
  );
}

function routeMatches(route: RouteConfig, request: RoutableRequest): boolean {
  const { hosts, pathPrefix, pathRegex, methods, headers } = route.match;
  if (hosts && !hostMatches(hosts, request.host)) return false;
  if (pathPrefix && !request.path.startsWith(pathPrefix)) return false;
  if (pathRegex && !pathRegex.test(request.path)) return false;
  if (methods && !methods.includes(request.method)) return false;
  return !headers || fieldsHold(headers, (name) => request.header(name) || null);
}

/** Every condition holds: the field is present (`value` gives null when it is not), equal, or matching. */
export function fieldsHold(conditions: HeaderMatch[], value: (name: string) => string | null): boolean {
  for (const condition of conditions) {
    const found = value(condition.name);
    if (found === null) return false;
    if (condition.equals !== undefined && found !== condition.equals) return false;
    if (condition.regex && !condition.regex.test(found)) return false;
  }
  return true;
}

export class Router {
  private readonly routes: RouteConfig[];
  private readonly fallback: RouteConfig | null;

  /** Without routes every request goes to `fallbackPool` (the "default" pool). */
  constructor(routes: RouteConfig[], fallbackPool: string | null) {
    this.routes = routes;
    this.fallback = routes.length === 0 && fallbackPool !== null ? { match: {}, pool: fallbackPool } : null;
  }

  route(request: RoutableRequest): RouteConfig | null {
    if (this.fallback) return this.fallback;
    for (const route of this.routes) {
      if (routeMatches(route, request)) return route;
    }
    return null;
  }
}

/** Lower-cases a Host header and strips its port ("Example.com:8080" → "example.com"). */
export function hostWithoutPort(hostHeader: string): string {
  const host = hostHeader.toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
