// Turns one uWS request into a forwarding plan: limits (414/431/413), route (404), split arm, sticky
// backend, hash key and the upstream head; then hands it to ProxiedRequest. One per worker thread.
import { DEFAULT_POOL, type RouteConfig } from '../config/types.js';
import { writeAccessRecord } from './access-log.js';
import { ClientAddresses } from './client-address.js';
import { extractHashKey } from './hash-key.js';
import { ProxiedRequest, type WorkerTraffic } from './proxy-request.js';
import { type ReplyContext, refuseAndClose, replyError } from './replies.js';
import { framingRefusal } from './request-framing.js';
import { buildRequestHead } from './request-head.js';
import { hostWithoutPort, Router } from './router.js';
import type { TrafficSplit } from './traffic-split.js';
import type { TrustedProxies } from './trusted-proxies.js';
import type { HttpRequest, HttpResponse } from './uws.js';
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
  protocol: 'http' | 'https';
  /** Outlives the handler: a hot reload builds a new handler over the same counts. */
  traffic: WorkerTraffic;
}

/** Set by the `ws` client itself for the upgrade it sends the backend. */
const WEBSOCKET_OWN_HEADERS = new Set(['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol']);

export class RequestHandler {
  private readonly parts: HandlerParts;
  private readonly router: Router;
  private readonly clientAddresses = new ClientAddresses();
  /** Reused across requests (the handler runs to completion before the next one starts). */
  private readonly headers: string[] = [];
  private readonly header = (name: string): string => this.collected(name);
  private readonly collectHeader = (name: string, value: string): void => void this.headers.push(name, value);

  constructor(parts: HandlerParts) {
    this.parts = parts;
    this.router = new Router(parts.routes, parts.pools.has(DEFAULT_POOL) ? DEFAULT_POOL : null);
  }

  /** uWS `any('/*')` handler. Everything read from `req` must be read before this returns. */
  handle(res: HttpResponse, req: HttpRequest): void {
    this.parts.traffic.requests++;
    const { limits } = this.parts;
    const path = req.getUrl();
    const query = req.getQuery();
    if (!this.withinLimits(res, req, path, query)) return;
    const method = req.getCaseSensitiveMethod();
    const refusal = framingRefusal(this.headers, limits.maxBody);
    if (refusal !== null) {
      this.refuse(res, req, refusal.status, refusal.code, refusal.message, true);
      return;
    }
    const host = this.collected('host');
    const selected = this.select(res, req, method, host, path);
    if (selected === null) return;
    const { route, pool, clientAddress } = selected;
    const contentLength = this.collected('content-length');
    const chunkedBody = contentLength === '' && this.collected('transfer-encoding') !== '';
    if (contentLength !== '' && Number(contentLength) > limits.maxBody) {
      this.refuse(res, req, 413, 'body-too-large', `The request body exceeds ${limits.maxBody} bytes.`);
      return;
    }
    const hasBody = chunkedBody || (contentLength !== '' && contentLength !== '0');
    const framing = chunkedBody ? 'transfer-encoding: chunked' : hasBody ? `content-length: ${contentLength}` : null;
    const hashKey = pool.hashKey ? extractHashKey(pool.hashKey, { clientAddress, path, query, header: this.header }) : '';
    const pinnedIndex = pool.sticky ? pool.sticky.pinnedIndex(this.collected('cookie')) : -1;
    const head = this.upstreamHead(route, pool, method, path, query, host, clientAddress, framing);
    new ProxiedRequest(
      res,
      {
        pool,
        hashKey: hashKey || undefined,
        pinnedIndex,
        head,
        method,
        hasBody,
        chunkedBody,
        maxBody: limits.maxBody,
        clientCloses: this.clientCloses(),
        client: clientAddress,
        host,
        path,
      },
      this.parts.traffic,
    );
  }

  /** The WebSocket `upgrade` handler's half: route and pick like a plain GET; null once it answered the client. */
  resolveUpgrade(res: HttpResponse, req: HttpRequest): UpgradeTarget | null {
    this.parts.traffic.requests++;
    const path = req.getUrl();
    const query = req.getQuery();
    if (!this.withinLimits(res, req, path, query)) return null;
    const host = this.collected('host');
    const selected = this.select(res, req, 'GET', host, path);
    if (selected === null) return null;
    const { route, pool, clientAddress } = selected;
    const hashKey = pool.hashKey ? extractHashKey(pool.hashKey, { clientAddress, path, query, header: this.header }) : '';
    const pinned = pool.sticky ? pool.sticky.pinnedIndex(this.collected('cookie')) : -1;
    const index = pool.pick(hashKey || undefined, -1, pinned);
    if (index < 0) {
      this.refuse(res, req, 503, 'no-backend', 'No backend is available for this request.');
      return null;
    }
    const lines = this.upstreamHead(route, pool, 'GET', path, query, host, clientAddress, null).split('\r\n');
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
    };
  }

  /** Collects the headers into this.headers (a refusal's reply reads them), then checks 414 and 431. */
  private withinLimits(res: HttpResponse, req: HttpRequest, path: string, query: string): boolean {
    const { limits } = this.parts;
    const headers = this.headers;
    headers.length = 0;
    req.forEach(this.collectHeader);
    if (path.length + (query ? query.length + 1 : 0) > limits.maxUrlLength) {
      this.refuse(res, req, 414, 'url-too-long', `The request target exceeds ${limits.maxUrlLength} bytes.`);
      return false;
    }
    let headerBytes = 0;
    for (let index = 0; index < headers.length; index++) headerBytes += (headers[index] as string).length;
    if (headerBytes > limits.maxHeaderSize) {
      this.refuse(res, req, 431, 'headers-too-large', `The request headers exceed ${limits.maxHeaderSize} bytes.`);
      return false;
    }
    return true;
  }

  /**
   * The first value of a header among those withinLimits collected, '' when absent, as req.getHeader would
   * answer: a short scan of strings already in JS costs less than a call into uWS per header.
   */
  private collected(name: string): string {
    const headers = this.headers;
    for (let index = 0; index < headers.length; index += 2) {
      if (headers[index] === name) return headers[index + 1] as string;
    }
    return '';
  }

  /** uWS's own test (HttpContext.h): it closes after the response when the first Connection value has 5 characters. */
  private clientCloses(): boolean {
    return this.collected('connection').length === 5;
  }

  /** The route (404 when none) and the pool, after the split if the route has one. */
  private select(res: HttpResponse, req: HttpRequest, method: string, host: string, path: string): Selected | null {
    const route = this.router.route({ host: hostWithoutPort(host), path, method, header: this.header });
    if (route === null) {
      this.refuse(res, req, 404, 'no-route', `No route matches ${method} ${host}${path}.`);
      return null;
    }
    const clientAddress = this.clientAddresses.of(res);
    const poolName = route.split
      ? (this.parts.splits.get(route) as TrafficSplit).choose({ clientAddress, header: this.header })
      : (route.pool as string);
    return { route, pool: this.parts.pools.get(poolName) as WorkerPool, clientAddress };
  }

  /**
   * Fulcrum answers the request itself (a limit, no route, no backend), and access-logs it when asked to.
   * `close` refuses the request's framing: the connection is closed after the reply.
   */
  private refuse(res: HttpResponse, req: HttpRequest, status: number, code: string, message: string, close = false): void {
    // The address must be read before the reply: uWS forbids touching a response once it has ended.
    const client = this.parts.traffic.accessLog ? this.clientAddresses.of(res) : '';
    const request: ReplyContext = { method: req.getCaseSensitiveMethod(), clientCloses: this.clientCloses() };
    if (close) refuseAndClose(res, status, code, message, request);
    else replyError(res, status, code, message, request);
    if (!this.parts.traffic.accessLog) return;
    writeAccessRecord({
      client,
      method: request.method,
      host: req.getHeader('host'),
      path: req.getUrl(),
      status,
      backend: null,
      pool: null,
      attempts: 0,
      durationMs: 0,
      bytesSent: 0,
      error: code,
    });
  }

  private upstreamHead(
    route: RouteConfig,
    pool: WorkerPool,
    method: string,
    path: string,
    query: string,
    host: string,
    clientAddress: string,
    framing: string | null,
  ): string {
    const upstreamPath = route.stripPrefix ? stripPrefix(path, route.match.pathPrefix as string) : path;
    return buildRequestHead(
      {
        method,
        target: query ? `${upstreamPath}?${query}` : upstreamPath,
        headers: this.headers,
        host,
        clientAddress,
        protocol: this.parts.protocol,
        trusted: this.parts.trustedProxies.trusts(clientAddress),
        hostRewrite: pool.hostRewrite,
      },
      framing,
    );
  }
}

interface Selected {
  route: RouteConfig;
  pool: WorkerPool;
  clientAddress: string;
}

/** "/api/users" without "/api" is "/users"; the whole prefix leaves "/". */
function stripPrefix(path: string, prefix: string): string {
  const rest = path.slice(prefix.endsWith('/') ? prefix.length - 1 : prefix.length);
  return rest === '' ? '/' : rest.startsWith('/') ? rest : `/${rest}`;
}
