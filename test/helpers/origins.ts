// Real HTTP origins on 127.0.0.1 for tests: each answers with its name and counts requests and connections.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestOrigin {
  name: string;
  address: string;
  port: number;
  requests: number;
  connections: number;
  lastHeaders: IncomingMessage['headers'] | null;
  close(): Promise<void>;
}

export type OriginHandler = (request: IncomingMessage, response: ServerResponse, origin: TestOrigin) => void;

const answerWithName: OriginHandler = (_request, response, origin) => {
  response.writeHead(200, { 'content-type': 'text/plain', 'x-origin': origin.name });
  response.end(origin.name);
};

/**
 * `keepAliveTimeoutMs`: how long an idle keep-alive connection stays open (node's default is 5 s, shorter than
 * Fulcrum's pooled-connection idle time, so a pooled connection can meet the close: a reset, then a retry).
 */
export async function startOrigin(
  name: string,
  handler: OriginHandler = answerWithName,
  { keepAliveTimeoutMs }: { keepAliveTimeoutMs?: number } = {},
): Promise<TestOrigin> {
  const server: Server = createServer();
  if (keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = keepAliveTimeoutMs;
  const origin: TestOrigin = {
    name,
    address: '',
    port: 0,
    requests: 0,
    connections: 0,
    lastHeaders: null,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', () => origin.connections++);
  server.on('request', (request, response) => {
    origin.requests++;
    origin.lastHeaders = request.headers;
    handler(request, response, origin);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin.port = (server.address() as AddressInfo).port;
  origin.address = `127.0.0.1:${origin.port}`;
  return origin;
}

/** A port that is free right now (bound then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
