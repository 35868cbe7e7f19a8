// Answers one admin API request from its method, target and Authorization header. Whatever a client
// sends (bad escapes, odd methods, absolute or asterisk targets), the answer is a reply, never a throw.
import { timingSafeEqual } from 'node:crypto';
import type { RunningFulcrum } from '../fulcrum.js';
import type { AdminState } from '../health/backend-health.js';
import type { DashboardPage } from './dashboard-page.js';
import type { Metrics } from './metrics.js';
import { buildStats } from './stats.js';

export interface AdminRequest {
  method: string;
  /** The request target as sent (origin form, e.g. /stats?x=1). */
  target: string;
  authorization: string | undefined;
}

export interface AdminReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** GET /events: instead of `body`, the server streams this view as Server-Sent Events (event-stream.ts); undefined ends the stream. */
  stream?: () => unknown;
}

const ACTIONS: Record<string, AdminState> = { drain: 'draining', disable: 'disabled', enable: 'enabled' };
/** Matched against the raw path, so an escaped slash inside a backend address cannot shift the segments. */
const BACKEND_ACTION = /^\/pools\/([^/]+)\/backends\/([^/]+)\/(drain|disable|enable)$/;
const USAGE = 'try GET / (the dashboard), /healthz, /stats, /events, /metrics or POST /pools/POOL/backends/ADDRESS/(drain|disable|enable)';

export function json(status: number, body: unknown, headers: Record<string, string> = {}): AdminReply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: `${JSON.stringify(body, null, 2)}\n` };
}

function authorized(given: string | undefined, token: string | null): boolean {
  if (token === null) return true;
  const presented = Buffer.from(given ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** Percent-decodes one path segment; null when it holds a malformed escape or bytes that are not UTF-8. */
function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function methodNotAllowed(method: string, path: string, allowed: string): AdminReply {
  return json(405, { error: `${path} does not take ${method}; use ${allowed}` }, { allow: allowed });
}

/** The dashboard, or why it is missing (a broken installation): the rest of the API works either way. */
function dashboard(page: DashboardPage | Error): AdminReply {
  if (page instanceof Error) {
    return json(503, { error: `the dashboard's files are missing (${page.message}); reinstall Fulcrum. /stats and /events still answer` });
  }
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': page.contentSecurityPolicy,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
    body: page.html,
  };
}

export function createAdminRouter(fulcrum: RunningFulcrum, metrics: Metrics, page: DashboardPage | Error) {
  function backendAction(method: string, path: string, match: RegExpExecArray): AdminReply {
    if (method !== 'POST') return methodNotAllowed(method, path, 'POST');
    const [, rawPool = '', rawBackend = '', verb = ''] = match;
    const pool = decodeSegment(rawPool);
    const backend = decodeSegment(rawBackend);
    if (pool === null || backend === null) {
      return json(400, { error: `malformed percent-escape in "${pool === null ? rawPool : rawBackend}"; escape "%" itself as %25` });
    }
    if (!fulcrum.pools.has(pool)) return json(404, { error: `no pool "${pool}"; see GET /stats for pools` });
    const state = ACTIONS[verb] as AdminState;
    if (!fulcrum.health.setAdminState(pool, backend, state)) {
      return json(404, { error: `pool "${pool}" has no backend "${backend}"; use its address as shown by GET /stats` });
    }
    return json(200, { pool, backend, admin: state });
  }

  return async function route(request: AdminRequest): Promise<AdminReply> {
    const { method } = request;
    const path = request.target.split('?', 1)[0] ?? '';
    // Liveness stays open so an orchestrator's probe needs no secret; everything else needs the token.
    if (path === '/healthz')
      return method === 'GET' || method === 'HEAD' ? json(200, { status: 'ok' }) : methodNotAllowed(method, path, 'GET');
    // The page holds no data (it fetches /events with the token the user enters), so it needs no token itself.
    if (path === '/') return method === 'GET' || method === 'HEAD' ? dashboard(page) : methodNotAllowed(method, path, 'GET');
    // Read per request, so a reload that rotates FULCRUM_ADMIN_TOKEN takes effect at once.
    if (!authorized(request.authorization, fulcrum.config.adminToken)) {
      return json(401, { error: 'missing or wrong bearer token (FULCRUM_ADMIN_TOKEN)' }, { 'www-authenticate': 'Bearer' });
    }
    if (path === '/stats')
      return method === 'GET' || method === 'HEAD' ? json(200, buildStats(fulcrum)) : methodNotAllowed(method, path, 'GET');
    if (path === '/events') {
      if (method !== 'GET') return methodNotAllowed(method, path, 'GET');
      // Checked again each second, so a reload that rotates the token ends streams opened with the old one.
      const stream = () => (authorized(request.authorization, fulcrum.config.adminToken) ? buildStats(fulcrum) : undefined);
      return { status: 200, headers: {}, body: '', stream };
    }
    if (path === '/metrics') {
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(method, path, 'GET');
      return { status: 200, headers: { 'content-type': metrics.contentType }, body: await metrics.render() };
    }
    const action = BACKEND_ACTION.exec(path);
    if (action) return backendAction(method, path, action);
    // JSON.stringify quotes and escapes whatever bytes the client put in the target.
    return json(404, { error: `no ${method} ${JSON.stringify(path)}; ${USAGE}` });
  };
}
