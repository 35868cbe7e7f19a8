// An HTTP origin that can be stopped and started again on the same port (a backend that dies and returns).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export class RestartableOrigin {
  readonly name: string;
  port = 0;
  /** Status the origin answers with; set to 500 to make it sick. */
  status = 200;
  private server: Server | null = null;
  private readonly handler: (request: IncomingMessage, response: ServerResponse) => void;

  constructor(name: string) {
    this.name = name;
    this.handler = (_request, response) => {
      response.writeHead(this.status, { 'content-type': 'text/plain' });
      response.end(this.name);
    };
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer(this.handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
