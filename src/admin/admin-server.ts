// The admin API on FULCRUM_ADMIN_LISTEN: GET /healthz (liveness) and GET /stats (per pool and backend, JSON).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { BalancerPool } from '../balance/index.js';
import type { HostPort } from '../config/types.js';
import { FulcrumError } from '../errors.js';

export interface AdminServer {
  close(): Promise<void>;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

export async function startAdminServer(address: HostPort, pools: ReadonlyMap<string, BalancerPool>): Promise<AdminServer> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') return sendJson(response, 405, { error: 'only GET is supported here' });
    if (path === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (path === '/stats') {
      const body = { pools: Object.fromEntries([...pools].map(([name, pool]) => [name, pool.snapshot()])) };
      return sendJson(response, 200, body);
    }
    sendJson(response, 404, { error: `no such endpoint ${path}; try /healthz or /stats` });
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
