// Turns one request, from any front, into a forwarding plan: limits (414/431/413), route (404), split arm,
// sticky backend, hash key and the upstream head; then hands it to ProxiedRequest. One per worker thread.

import { DEFAULT_POOL, type RouteConfig } from '../config/types.js';
import { writeAccessRecord } from './access-log.js';
import { ClientAddresses } from './client-address.js';
import type { Downstream, Replier } from './downstream.js';
import { EdgeGuard } from './edge-guard.js';
import { grpcTimeoutMs } from './grpc-status.js';
import { extractHashKey } from './hash-key.js';
import type { HeldCaps } from './held-caps.js';
import { type ForwardPlan, ProxiedRequest, type WorkerTraffic } from './proxy-request.js';
import { framingRefusal } from './request-framing.js';
import { buildH2RequestHeaders, buildRequestHead, type IncomingRequest } from './request-head.js';
import { hostWithoutPort, Router } from './router.js';
import type { TrafficSplit } from './traffic-split.js';
import type { TrustedProxies } from './trusted-proxies.js';
import type { HttpRequest, HttpResponse } from './uws.js';
import { UwsDownstream } from './uws-downstream.js';
import { WafCheck } from './waf-check.js';
import { WafForwarder } from './waf-forwarder.js';
import type { UpgradeTarget } from './websocket-proxy.js';
import type { WorkerPool } from './worker-pool.js';

export interface RequestLimits {
  maxBody: number;
  maxUrlLength: number;
  maxHeaderSize: number;
}

export interface HandlerParts {
  routes: RouteConfig[];
  pools: Map<string, WorkerPool>;
  /** The split of each split route, by route object. */
  splits: Map<RouteConfig, TrafficSplit>;
  trustedProxies: TrustedProxies;
  limits: RequestLimits;
  /** Outlives the handler: a hot reload builds a new handler over the same counts. */
  traffic: WorkerTraffic;
}

/** Set by the `ws` client itself for the upgrade it sends the backend. */
const WEBSOCKET_OWN_HEADERS = new Set(['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol']);

/** A request's head as a front read it: `headers` is a flat [name, value, ...] list with lower-case names. */
export interface RequestHeadFacts {
  method: string;
  /** The path: origin-form, or `*` (OPTIONS *). */
  path: string;
  query: string;
  headers: string[];
  /** The listener's scheme, for X-Forwarded-Proto and Forwarded. */
  scheme: 'http' | 'https';
  /** An HTTP/2 request (node front); the WAF's rules tell HTTP/2 from HTTP/1.1 (no Content-Length is normal in HTTP/2). */
  http2?: boolean;
}

export class RequestHandler {
  private readonly parts: HandlerParts;
  private readonly router: Router;
  /** Access rules and rate limits of the routes that have them. */
  private readonly guard: EdgeGuard;
  /** By route, for the routes with a WAF (their rule sets were loaded by the main thread; these share them). */
  private readonly wafChecks = new Map<RouteConfig, WafCheck>();
  private readonly wafForwarder: WafForwarder;
  private readonly clientAddresses = new ClientAddresses();
  /** The uWS front's header list, reused across its requests (each runs to completion before the next starts). */
  private readonly uwsHeaders: string[] = [];
  /** The headers of the request being handled (handling is synchronous, so one field serves every front). */
  private headers: string[] = this.uwsHeaders;
  private readonly header = (name: string): string => this.collected(name);
  private readonly collectHeader = (name: string, value: string): void => void this.uwsHeaders.push(name, value);

  constructor(parts: HandlerParts) {
    this.parts = parts;
    this.wafForwarder = new WafForwarder(parts.traffic, (downstream, head, status, code, message, close, waf) =>
      this.refuse(downstream, head, status, code, message, close, null, undefined, waf),
    );
    this.router = new Router(parts.routes, parts.pools.has(DEFAULT_POOL) ? DEFAULT_POOL : null);
    this.guard = new EdgeGuard(parts.routes, parts.trustedProxies, parts.traffic.access);
    for (const route of parts.routes) if (route.waf) this.wafChecks.set(route, new WafCheck(route.waf, parts.traffic.waf));
  }

  /** uWS `any('/*')` handler. Everything read from `req` must be read before this returns. */
  handle(res: HttpResponse, req: HttpRequest, scheme: 'http' | 'https'): void {
    const method = req.getCaseSensitiveMethod();
    const head = { method, path: req.getUrl(), query: req.getQuery(), headers: this.uwsHeaders, scheme };
    this.handleHead(this.uwsDownstream(res, req, method), head);
  }

  /** Any front: limits, framing, route, split, sticky and hash key, then the exchange. */
  handleHead(downstream: Downstream, head: RequestHeadFacts): void {
    this.parts.traffic.requests++;
    const { limits } = this.parts;
    const { method, path } = head;
    this.headers = head.headers;
    if (!this.withinLimits(downstream, head)) return;
    const refusal = framingRefusal(this.headers, limits.maxBody, downstream.declaredLengthDigits);
    if (refusal !== null) {
      this.refuse(downstream, head, refusal.status, refusal.code, refusal.message, true);
      return;
    }
    const host = this.collected('host');
    const selected = this.select(downstream, head, host, true);
    if (selected === null) return;
    const { route, pool, delayMs, caps } = selected;
    const { clientAddress } = downstream;
    const contentLength = this.collected('content-length');
    const chunkedBody = contentLength === '' && (this.collected('transfer-encoding') !== '' || downstream.undeclaredBody);
    if (contentLength !== '' && Number(contentLength) > limits.maxBody) {
      // The body will not be read, so the connection cannot carry another request (NGINX closes too).
      caps?.release();
      this.refuse(downstream, head, 413, 'body-too-large', `The request body exceeds ${limits.maxBody} bytes.`, true);
      return;
    }
    const hasBody = chunkedBody || (contentLength !== '' && contentLength !== '0');
    const framing = chunkedBody ? 'transfer-encoding: chunked' : hasBody ? `content-length: ${contentLength}` : null;
    const { hashKey, pinnedIndex } = this.affinity(pool, clientAddress, head);
    const request = this.upstreamRequest(route, pool, head, host, clientAddress);
    const upstreamHead =
      pool.protocol === 'http/1.1'
        ? buildRequestHead(request, framing)
        : buildH2RequestHeaders(request, pool.protocol === 'h2', chunkedBody || !hasBody ? null : contentLength);
    const plan: ForwardPlan = {
      pool,
      hashKey,
      pinnedIndex,
      head: upstreamHead,
      method,
      hasBody,
      chunkedBody,
      maxBody: limits.maxBody,
      // A gRPC client's deadline bounds the whole call (an invalid grpc-timeout is ignored).
      deadlineMs: downstream.grpc ? grpcTimeoutMs(this.collected('grpc-timeout')) : 0,
      delayMs,
      caps,
      host,
      path,
    };
    if (route.waf) {
      const client = this.parts.trustedProxies.effectiveClient(clientAddress, this.collected('x-forwarded-for'));
      this.wafForwarder.forward(this.wafChecks.get(route) as WafCheck, downstream, head, plan, client, contentLength);
    } else new ProxiedRequest(downstream, plan, this.parts.traffic);
  }

  /** The WebSocket `upgrade` handler's half: route and pick like a plain GET; null once it answered the client. */
  resolveUpgrade(res: HttpResponse, req: HttpRequest, scheme: 'http' | 'https'): UpgradeTarget | null {
    const head: RequestHeadFacts = { method: 'GET', path: req.getUrl(), query: req.getQuery(), headers: this.uwsHeaders, scheme };
    const downstream = this.uwsDownstream(res, req, 'GET');
    const picked = this.routeAndPick(downstream, head);
    if (picked === null) return null;
    const { pool, index } = picked;
    const lines = this.upstreamHead(picked.route, pool, head, picked.host, downstream.clientAddress, null).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon);
      if (colon > 0 && !WEBSOCKET_OWN_HEADERS.has(name)) headers[name] = line.slice(colon + 2);
    }
    const protocols = req.getHeader('sec-websocket-protocol');
    return {
      pool,
      index,
      url: `ws://${pool.address(index)}${(lines[0] as string).split(' ')[1]}`,
      headers,
      protocols: protocols === '' ? [] : protocols.split(',').map((protocol) => protocol.trim()),
      caps: picked.caps,
    };
  }

  /**
   * The node front's upgrade requests (WebSocket and any other protocol): routed and picked like a plain
   * request, then tunnelled as bytes, with the client's Connection and Upgrade passed on. Null once answered.
   */
  resolveTunnel(replier: Replier, head: RequestHeadFacts): TunnelTarget | null {
    const picked = this.routeAndPick(replier, head);
    if (picked === null) return null;
    const upgrade = `connection: upgrade\r\nupgrade: ${this.collected('upgrade')}`;
    const { route, pool, index, host, caps } = picked;
    return { pool, index, head: this.upstreamHead(route, pool, head, host, replier.clientAddress, upgrade), caps };
  }

  /** An upgrade's limits, route and backend (sticky and hash key honoured); null once it answered the client. */
  private routeAndPick(replier: Replier, head: RequestHeadFacts): (Selected & { index: number; host: string }) | null {
    this.parts.traffic.requests++;
    this.headers = head.headers;
    if (!this.withinLimits(replier, head)) return null;
    const host = this.collected('host');
    const selected = this.select(replier, head, host, false);
    if (selected === null) return null;
    const { pool } = selected;
    const { hashKey, pinnedIndex } = this.affinity(pool, replier.clientAddress, head);
    const index = pool.pick(hashKey, -1, pinnedIndex);
    if (index < 0) {
      selected.caps?.release();
      this.refuse(replier, head, 503, 'no-backend', 'No backend is available for this request.');
      return null;
    }
    return { ...selected, index, host };
  }

  /** The pool's hash key for this request (undefined when it hashes on nothing) and its sticky backend (-1: none). */
  private affinity(
    pool: WorkerPool,
    clientAddress: string,
    { path, query }: RequestHeadFacts,
  ): { hashKey: string | undefined; pinnedIndex: number } {
    const hashKey = pool.hashKey ? extractHashKey(pool.hashKey, { clientAddress, path, query, header: this.header }) : '';
    return { hashKey: hashKey || undefined, pinnedIndex: pool.sticky ? pool.sticky.pinnedIndex(this.collected('cookie')) : -1 };
  }

  /** Collects a uWS request's headers, and wraps its response with what Fulcrum's replies need. */
  private uwsDownstream(res: HttpResponse, req: HttpRequest, method: string): UwsDownstream {
    this.uwsHeaders.length = 0;
    req.forEach(this.collectHeader);
    // uWS's own test (HttpContext.h): it closes after the response when the first Connection value has 5 characters.
    const clientCloses = this.collected('connection').length === 5;
    return new UwsDownstream(res, this.clientAddresses.of(res), { method, clientCloses });
  }

  /** Checks 414 and 431. */
  private withinLimits(downstream: Replier, head: RequestHeadFacts): boolean {
    const { limits } = this.parts;
    const { path, query, headers } = head;
    if (path.length + (query ? query.length + 1 : 0) > limits.maxUrlLength) {
      this.refuse(downstream, head, 414, 'url-too-long', `The request target exceeds ${limits.maxUrlLength} bytes.`);
      return false;
    }
    let headerBytes = 0;
    for (let index = 0; index < headers.length; index++) headerBytes += (headers[index] as string).length;
    if (headerBytes > limits.maxHeaderSize) {
      this.refuse(downstream, head, 431, 'headers-too-large', `The request headers exceed ${limits.maxHeaderSize} bytes.`);
      return false;
    }
    return true;
  }

  /**
   * The first value of a header, '' when absent, as uWS's req.getHeader would answer: a short scan of
   * strings already in JS costs less than a call into uWS per header.
   */
  private collected(name: string): string {
    return firstValue(this.headers, name);
  }

  /**
   * The route (404 when none), its access rules and rate limits, and the pool, after the split if the route
   * has one. `canWait`: the request may wait for a rate-limit token (an upgrade may not).
   */
  private select(downstream: Replier, head: RequestHeadFacts, host: string, canWait: boolean): Selected | null {
    const { method, path } = head;
    // `OPTIONS *` concerns the server as a whole: it is routed as the root would be.
    const routedPath = path === '*' ? '/' : path;
    const route = this.router.route({ host: hostWithoutPort(host), path: routedPath, method, header: this.header });
    if (route === null) {
      this.refuse(downstream, head, 404, 'no-route', `No route matches ${method} ${host}${path}.`);
      return null;
    }
    const { clientAddress } = downstream;
    let delayMs = 0;
    let caps: HeldCaps | null = null;
    if (this.guard.guards(route)) {
      const checked = { peer: clientAddress, method, path: routedPath, query: head.query, header: this.header };
      const refusal = this.guard.check(route, checked, canWait);
      if (refusal !== null) {
        this.refuse(downstream, head, refusal.status, refusal.code, refusal.message, false, refusal.rule, refusal.headers);
        return null;
      }
      delayMs = this.guard.delayMs;
      caps = this.guard.held;
    }
    const poolName = route.split
      ? (this.parts.splits.get(route) as TrafficSplit).choose({ clientAddress, header: this.header })
      : (route.pool as string);
    return { route, pool: this.parts.pools.get(poolName) as WorkerPool, delayMs, caps };
  }

  /**
   * Fulcrum answers the request itself (a limit, no route, no backend), and access-logs it when asked to.
   * `close` refuses the request's framing: the connection is closed after the reply.
   */
  private refuse(
    downstream: Replier,
    head: RequestHeadFacts,
    status: number,
    code: string,
    message: string,
    close = false,
    /** The access rule or rate limit that refused the request, for the log. */
    rule: string | null = null,
    headers?: Readonly<Record<string, string>>,
    /** The WAF rules that blocked the request, for the log. */
    waf?: number[],
  ): void {
    if (close) downstream.refuseAndClose(status, code, message);
    else downstream.replyError(status, code, message, headers);
    if (!this.parts.traffic.accessLog) return;
    writeAccessRecord({
      client: downstream.clientAddress,
      method: head.method,
      // From the head, not this.headers: a WAF refusal comes after the body, when other requests have been handled.
      host: firstValue(head.headers, 'host'),
      path: head.path,
      status,
      backend: null,
      pool: null,
      attempts: 0,
      durationMs: 0,
      bytesSent: 0,
      error: code,
      ...(rule === null ? {} : { rule }),
      ...(waf === undefined ? {} : { waf }),
    });
  }

  /** An upgrade's HTTP/1.1 head (an upgrade goes upstream as HTTP/1.1 whatever the pool's protocol). */
  private upstreamHead(
    route: RouteConfig,
    pool: WorkerPool,
    head: RequestHeadFacts,
    host: string,
    clientAddress: string,
    /** Header lines after the others: an upgrade's Connection and Upgrade. */
    framing: string | null,
  ): string {
    return buildRequestHead(this.upstreamRequest(route, pool, head, host, clientAddress), framing);
  }

  /** What goes upstream of the request being handled: target after prefix stripping, Host, forwarding facts. */
  private upstreamRequest(
    route: RouteConfig,
    pool: WorkerPool,
    { method, path, query, scheme }: RequestHeadFacts,
    host: string,
    clientAddress: string,
  ): IncomingRequest {
    const upstreamPath = path === '*' ? path : route.stripPrefix ? stripPrefix(path, route.match.pathPrefix as string) : path;
    return {
      method,
      target: query ? `${upstreamPath}?${query}` : upstreamPath,
      headers: this.headers,
      host,
      clientAddress,
      protocol: scheme,
      trusted: this.parts.trustedProxies.trusts(clientAddress),
      // HTTP/1.0 may come without a Host, HTTP/1.1 upstream may not: the pool's name stands in (NGINX's $proxy_host).
      hostRewrite: pool.hostRewrite ?? (host === '' ? pool.name : null),
    };
  }
}

/** Where an upgrade request is tunnelled: the pick (released when the tunnel closes) and the head to send. */
export interface TunnelTarget {
  pool: WorkerPool;
  index: number;
  head: string;
  /** The concurrency caps the tunnel counts against while it is open (null: none). */
  caps: HeldCaps | null;
}

interface Selected {
  route: RouteConfig;
  pool: WorkerPool;
  /** How long the request waits for its rate-limit tokens before it is forwarded (0: none). */
  delayMs: number;
  /** The caps' counts the request holds until it ends (null: none). */
  caps: HeldCaps | null;
}

/** The first value of a header in a flat [name, value, ...] list, '' when absent. */
function firstValue(headers: string[], name: string): string {
  for (let index = 0; index < headers.length; index += 2) {
    if (headers[index] === name) return headers[index + 1] as string;
  }
  return '';
}

/** "/api/users" without "/api" is "/users"; the whole prefix leaves "/". */
function stripPrefix(path: string, prefix: string): string {
  const rest = path.slice(prefix.endsWith('/') ? prefix.length - 1 : prefix.length);
  return rest === '' ? '/' : rest.startsWith('/') ? rest : `/${rest}`;
}
