// A routed request's edge checks, in order: the route's access rules (403), its rate limits (429, or a wait
// for the token with `action: delay`), then its concurrency caps (503; a request let through holds its
// counts until it ends). Each verdict is counted by rule. Runs on an L7 worker thread, once per request of
// a route that has rules, limits or caps; routes without them never reach it.
import { RATE_LIMIT_KEYS, type RateLimitConfig, type RateLimitKeyPart } from '../config/rate-limit.js';
import { CONCURRENCY_KEYS, type ConcurrencyCap } from '../config/request-caps.js';
import type { RouteConfig } from '../config/types.js';
import { native } from '../native/load.js';
import { AccessCheck } from './access-check.js';
import type { AccessCounter } from './access-counts.js';
import { cookieValue } from './cookies.js';
import { HeldCaps } from './held-caps.js';
import type { TrustedProxies } from './trusted-proxies.js';

/** What of a request the checks look at. */
export interface GuardedRequest {
  /** The connection's peer address (the rules judge the address a trusted proxy forwarded for, if any). */
  peer: string;
  method: string;
  /** The routed path (`*` already mapped to `/`). */
  path: string;
  query: string;
  /** The first value of a header, '' when absent. */
  header(name: string): string;
}

/** Fulcrum's answer to a request the checks stopped. */
export interface EdgeRefusal {
  status: 403 | 429 | 503;
  code: 'denied' | 'rate-limited' | 'capped';
  message: string;
  /** The rule or limit, for the access log. */
  rule: string;
  headers?: Record<string, string>;
}

export class EdgeGuard {
  /** By route, for the routes that carry access rules. */
  private readonly accessChecks = new Map<RouteConfig, AccessCheck>();
  /** The process-wide buckets of rate limits, shared with every other worker. */
  private readonly buckets = native.rateLimits.open('fulcrum', RATE_LIMIT_KEYS);
  /** The process-wide counts of requests in flight, by client address and by route. */
  private readonly inFlight = native.concurrency.open('fulcrum', CONCURRENCY_KEYS);
  private readonly trustedProxies: TrustedProxies;
  private readonly counts: AccessCounter;
  /** The request being checked, and its effective client address once worked out ('' until then). */
  private request: GuardedRequest | null = null;
  private client = '';
  /** After a check passed: how long the request must wait for its rate-limit tokens (0: none). */
  delayMs = 0;
  /** After a check passed: the caps' counts it holds, which its end must release (null: none). */
  held: HeldCaps | null = null;

  constructor(routes: readonly RouteConfig[], trustedProxies: TrustedProxies, counts: AccessCounter) {
    for (const route of routes) if (route.access) this.accessChecks.set(route, new AccessCheck(route.access));
    this.trustedProxies = trustedProxies;
    this.counts = counts;
  }

  /** True when the route has anything to check. */
  guards(route: RouteConfig): boolean {
    return route.access !== undefined || route.rateLimits !== undefined || route.caps !== undefined;
  }

  /**
   * The refusal, or null when the request may go on (after `delayMs`). `canWait` is false for upgrades,
   * which are answered at once: over a limit they are refused rather than delayed.
   */
  check(route: RouteConfig, request: GuardedRequest, canWait: boolean): EdgeRefusal | null {
    this.request = request;
    this.client = '';
    this.delayMs = 0;
    this.held = null;
    const access = this.accessChecks.get(route);
    if (access) {
      const { method, path, query, header } = request;
      const rule = access.verdict({ clientAddress: this.clientAddress(), method, path, query, header });
      if (rule !== null) this.counts.count(rule.name, rule.action === 'deny' ? 'denied' : 'allowed');
      if (rule?.action === 'deny') {
        return { status: 403, code: 'denied', message: `Denied by the access rule "${rule.name}".`, rule: rule.name };
      }
    }
    const limited = route.rateLimits ? this.withinRateLimits(route.rateLimits, canWait) : null;
    return limited === null && route.caps ? this.withinCaps(route.caps) : limited;
  }

  /** Counts the request under each cap; over one, what was counted is given back and the request refused. */
  private withinCaps(caps: ConcurrencyCap[]): EdgeRefusal | null {
    const keys: string[] = [];
    for (const cap of caps) {
      const key = cap.per === 'ip' ? `${cap.scope}|${this.clientAddress()}` : cap.scope;
      if (!this.inFlight.tryAcquire(key, cap.max)) {
        for (const taken of keys) this.inFlight.release(taken);
        this.counts.count(cap.name, 'capped');
        const what = cap.per === 'ip' ? 'from this client address' : 'on this route';
        return { status: 503, code: 'capped', message: `Over the cap "${cap.name}": ${cap.max} requests ${what} at once.`, rule: cap.name };
      }
      keys.push(key);
      this.counts.count(cap.name, 'allowed');
    }
    this.held = new HeldCaps(this.inFlight, keys);
    return null;
  }

  /**
   * Takes a token from each limit's bucket for this request's key (a request without one of the key's
   * headers or cookies is not counted, as NGINX's limit_req skips empty keys); the first limit out of
   * tokens refuses. With several delaying limits the request waits for the latest of its tokens.
   */
  private withinRateLimits(limits: RateLimitConfig[], canWait: boolean): EdgeRefusal | null {
    for (const limit of limits) {
      const value = this.keyValue(limit.key);
      if (value === '') continue;
      const result = this.buckets.take(limit.name, value, limit.ratePerSecond, limit.burst, canWait ? limit.maxDelayMs : 0);
      if (result >= 0) {
        this.counts.count(limit.name, result > 0 ? 'delayed' : 'allowed');
        this.delayMs = Math.max(this.delayMs, result);
        continue;
      }
      this.counts.count(limit.name, 'limited');
      const retryAfter = String(Math.ceil(-result / 1000));
      return {
        status: 429,
        code: 'rate-limited',
        message: `Over the rate limit "${limit.name}"; retry in ${retryAfter} s.`,
        rule: limit.name,
        headers: { 'retry-after': retryAfter },
      };
    }
    return null;
  }

  /** The key's value ('' when a part is missing); parts of a combined key are joined by a NUL, which no value holds. */
  private keyValue(key: RateLimitKeyPart[]): string {
    if (key.length === 1) return this.partValue(key[0] as RateLimitKeyPart);
    let joined = '';
    for (const part of key) {
      const value = this.partValue(part);
      if (value === '') return '';
      joined = joined === '' ? value : `${joined}\0${value}`;
    }
    return joined;
  }

  private partValue(part: RateLimitKeyPart): string {
    const request = this.request as GuardedRequest;
    switch (part.kind) {
      case 'ip':
        return this.clientAddress();
      case 'header':
        return request.header(part.name);
      case 'cookie':
        return cookieValue(request.header('cookie'), part.name);
      case 'route':
        return 'route';
    }
  }

  /** The address the rules judge, worked out once per request. */
  private clientAddress(): string {
    if (this.client === '') {
      const request = this.request as GuardedRequest;
      this.client = this.trustedProxies.effectiveClient(request.peer, request.header('x-forwarded-for'));
    }
    return this.client;
  }
}
