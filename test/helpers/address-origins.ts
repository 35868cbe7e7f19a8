// HTTP origins on several loopback addresses (127.0.0.x) sharing one port, as DNS names them: each answers with its
// address, counts requests, and holds GET /slow for a while (to see a removed backend drain).
import { createServer, type Server } from 'node:http';
import { freePort } from './origins.js';

export interface AddressOrigins {
  port: number;
  /** Requests each address answered. */
  requests: Map<string, number>;
  /** Connections each address accepted. */
  connections: Map<string, number>;
  /** GET /slow requests being held. */
  slowInFlight: number;
  close(): Promise<void>;
}

const SLOW_MS = 600;

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

export async function startAddressOrigins(hosts: readonly string[]): Promise<AddressOrigins> {
  const port = await freePort();
  const requests = new Map<string, number>(hosts.map((host) => [host, 0]));
  const connections = new Map<string, number>(hosts.map((host) => [host, 0]));
  const servers = hosts.map((host) => {
    const server = createServer({ keepAliveTimeout: 30_000 }, (request, response) => {
      requests.set(host, (requests.get(host) ?? 0) + 1);
      const answer = () => {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end(host);
      };
      if (request.url !== '/slow') return answer();
      origins.slowInFlight++;
      setTimeout(() => {
        origins.slowInFlight--;
        answer();
      }, SLOW_MS);
    });
    server.on('connection', () => connections.set(host, (connections.get(host) ?? 0) + 1));
    return server;
  });
  const close = () =>
    Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            if (!server.listening) resolve();
            else server.close(() => resolve());
          }),
      ),
    ).then(() => undefined);
  const origins: AddressOrigins = { port, requests, connections, slowInFlight: 0, close };
  try {
    await Promise.all(servers.map((server, index) => listen(server, hosts[index] as string, port)));
  } catch (error) {
    await close();
    throw error;
  }
  return origins;
}
