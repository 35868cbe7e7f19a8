// The admin API on FULCRUM_ADMIN_LISTEN: liveness, stats, Prometheus metrics, and backend drain/disable/enable.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { HostPort } from '../config/types.js';
import { FulcrumError } from '../errors.js';
import type { RunningFulcrum } from '../fulcrum.js';
import type { AdminState } from '../health/backend-health.js';
import { createMetrics } from './metrics.js';
import { buildStats } from './stats.js';

export interface AdminServer {
  close(): Promise<void>;
}

const ACTIONS: Record<string, AdminState> = { drain: 'draining', disable: 'disabled', enable: 'enabled' };
const BACKEND_ACTION = /^\/pools\/([^/]+)\/backends\/([^/]+)\/(drain|disable|enable)$/;

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function authorized(request: IncomingMessage, token: string | null): boolean {
  if (token === null) return true;
  const given = Buffer.from(request.headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startAdminServer(address: HostPort, token: string | null, fulcrum: RunningFulcrum): Promise<AdminServer> {
  const metrics = createMetrics(fulcrum);
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = decodeURIComponent((request.url ?? '/').split('?')[0] ?? '/');
    // Liveness stays open so an orchestrator's probe needs no secret; everything else needs the token.
    if (path === '/healthz' && request.method === 'GET') return sendJson(response, 200, { status: 'ok' });
    if (!authorized(request, token)) {
      response.setHeader('www-authenticate', 'Bearer');
      return sendJson(response, 401, { error: 'missing or wrong bearer token (FULCRUM_ADMIN_TOKEN)' });
    }
    if (path === '/stats' && request.method === 'GET') return sendJson(response, 200, buildStats(fulcrum));
    if (path === '/metrics' && request.method === 'GET') {
      metrics.render().then(
        (text) => {
          response.writeHead(200, { 'content-type': metrics.contentType });
          response.end(text);
        },
        (error: Error) => sendJson(response, 500, { error: error.message }),
      );
      return;
    }
    const action = BACKEND_ACTION.exec(path);
    if (action && request.method === 'POST') {
      const [, pool = '', backend = '', verb = ''] = action;
      if (!fulcrum.pools.has(pool)) return sendJson(response, 404, { error: `no pool "${pool}"; see GET /stats for pools` });
      const state = ACTIONS[verb] as AdminState;
      if (!fulcrum.health.setAdminState(pool, backend, state)) {
        return sendJson(response, 404, { error: `pool "${pool}" has no backend "${backend}"; use its address as shown by GET /stats` });
      }
      return sendJson(response, 200, { pool, backend, admin: state });
    }
    sendJson(response, 404, { error: `no ${request.method} ${path}; try GET /healthz, /stats, /metrics or POST /pools/POOL/backends/ADDRESS/(drain|disable|enable)` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new FulcrumError(
          'FULCRUM_ERR_LISTEN',
          `the admin API cannot listen on ${address.host}:${address.port} (${error.code}); set FULCRUM_ADMIN_LISTEN to a free address or "off".`,
        ),
      ),
    );
    server.listen(address.port, address.host, resolve);
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
