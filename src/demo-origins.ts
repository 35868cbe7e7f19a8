// Two small HTTP origins on loopback for `npm start` without backends: each says who it is.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoOrigins {
  addresses: string[];
  close(): Promise<void>;
}

function startOrigin(name: string): Promise<Server> {
  const server = createServer((request, response) => {
    const body = JSON.stringify({
      origin: name,
      method: request.method,
      url: request.url,
      forwardedFor: request.headers['x-forwarded-for'] ?? null,
    });
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) + 1 });
    response.end(`${body}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

export async function startDemoOrigins(): Promise<DemoOrigins> {
  const servers = await Promise.all([startOrigin('demo-origin-1'), startOrigin('demo-origin-2')]);
  return {
    addresses: servers.map((server) => `127.0.0.1:${(server.address() as AddressInfo).port}`),
    close: async () => {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}
