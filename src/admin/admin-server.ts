// The admin API on FULCRUM_ADMIN_LISTEN: the dashboard, liveness, stats (also as a live event stream),
// Prometheus metrics, and backend drain/disable/enable.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { HostPort } from '../config/types.js';
import { FulcrumError } from '../errors.js';
import type { RunningFulcrum } from '../fulcrum.js';
import type { Logger } from '../log.js';
import { type AdminReply, createAdminRouter, json } from './admin-router.js';
import { type DashboardPage, loadDashboardPage } from './dashboard-page.js';
import { EventStreams } from './event-stream.js';
import { createMetrics } from './metrics.js';

export interface AdminServer {
  close(): Promise<void>;
}

/** No admin endpoint reads a body. Node discards a small one so the connection stays usable; past this, or of unknown length, the connection closes after the reply instead. */
const MAX_DISCARDED_BODY = 1 << 20;

function bodyTooBigToDiscard(request: IncomingMessage): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > MAX_DISCARDED_BODY;
}

function send(request: IncomingMessage, response: ServerResponse, reply: AdminReply): void {
  if (response.headersSent || response.destroyed) return;
  const headers: Record<string, string | number> = { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) };
  if (bodyTooBigToDiscard(request)) headers.connection = 'close';
  response.writeHead(reply.status, headers);
  response.end(request.method === 'HEAD' ? undefined : reply.body);
}

/** Read once at start-up and served from memory; a broken installation loses the page, not the API. */
function readDashboard(logger: Logger): DashboardPage | Error {
  try {
    return loadDashboardPage();
  } catch (error) {
    logger.warn({ err: error }, 'the dashboard (GET / on the admin API) is unavailable: its files are missing; reinstall Fulcrum');
    return error instanceof Error ? error : new Error(String(error));
  }
}

export async function startAdminServer(address: HostPort, fulcrum: RunningFulcrum, logger: Logger): Promise<AdminServer> {
  const route = createAdminRouter(fulcrum, createMetrics(fulcrum), readDashboard(logger));
  const streams = new EventStreams();
  const streamFailed = (error: unknown) => logger.error({ err: error }, 'admin event stream failed');
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    // route() is async, so anything it throws arrives here as a rejection: one reply, never a crash.
    route({ method: request.method ?? '', target: request.url ?? '', authorization: request.headers.authorization }).then(
      (reply) => {
        if (reply.stream && !response.destroyed) streams.start(request, response, reply.stream, streamFailed);
        else send(request, response, reply);
      },
      (error: unknown) => {
        logger.error({ err: error, method: request.method, target: request.url }, 'admin API request failed');
        send(request, response, json(500, { error: 'internal error answering this request; see the Fulcrum log' }));
      },
    );
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
  // After start-up, a socket error (a reset mid-reply) concerns one client, never the process.
  server.on('error', (error) => logger.warn({ err: error }, 'admin API socket error'));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        streams.closeAll();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
