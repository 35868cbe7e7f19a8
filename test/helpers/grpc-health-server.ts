// A real grpc-js server implementing grpc.health.v1.Health/Check, whose answers a test sets per service,
// and an origin that serves HTTP/1.1 traffic and that Health service on one port.
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, connect as connectNet, createServer as createNetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type GrpcObject,
  status as grpcStatus,
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceClientConstructor,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const PROTO = join(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/grpc/health.proto');

export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

export interface GrpcHealthServer {
  port: number;
  address: string;
  /** What Check answers for `service` ("" is the whole server); a service never set answers NOT_FOUND. */
  setStatus(service: string, status: ServingStatus): void;
  /** How many Check calls came, for tests that wait for the next check. */
  checks(): number;
  stop(): Promise<void>;
}

function healthService(): ServiceClientConstructor['service'] {
  const definition = loadSync(PROTO, { keepCase: true, enums: String, defaults: true });
  const grpc = loadPackageDefinition(definition).grpc as GrpcObject;
  const health = (grpc.health as GrpcObject).v1 as GrpcObject;
  return (health.Health as ServiceClientConstructor).service;
}

/** Listens on 127.0.0.1 (h2c, or h2 with `tls`) and answers SERVING for the whole server until told otherwise. */
export async function startGrpcHealthServer(tls?: { cert: Buffer; key: Buffer }): Promise<GrpcHealthServer> {
  const statuses = new Map<string, ServingStatus>([['', 'SERVING']]);
  let calls = 0;
  const server = new Server();
  server.addService(healthService(), {
    Check(call: ServerUnaryCall<{ service: string }, unknown>, callback: sendUnaryData<{ status: ServingStatus }>) {
      calls++;
      const status = statuses.get(call.request.service);
      if (status === undefined) callback({ code: grpcStatus.NOT_FOUND, details: `unknown service ${call.request.service}` });
      else callback(null, { status });
    },
  });
  const credentials = tls
    ? ServerCredentials.createSsl(null, [{ cert_chain: tls.cert, private_key: tls.key }])
    : ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    port,
    address: `127.0.0.1:${port}`,
    setStatus: (service, status) => statuses.set(service, status),
    checks: () => calls,
    stop: async () => server.forceShutdown(),
  };
}

export interface GrpcCheckedOrigin {
  name: string;
  address: string;
  health: GrpcHealthServer;
  stop(): Promise<void>;
}

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');

/**
 * One port that serves HTTP/1.1 traffic (answering with `name`) and, on connections that open with the
 * HTTP/2 preface, the grpc-js Health service: a backend of an HTTP/1.1 pool checked with kind: grpc.
 */
export async function startGrpcCheckedOrigin(name: string): Promise<GrpcCheckedOrigin> {
  const health = await startGrpcHealthServer();
  const http1 = createHttpServer((_request, response) => response.end(name));
  const sockets = new Set<Socket>();
  const front = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let head = Buffer.alloc(0);
    const sniff = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const isH2 = head.subarray(0, H2_PREFACE.length).equals(H2_PREFACE.subarray(0, Math.min(head.length, H2_PREFACE.length)));
      if (isH2 && head.length < H2_PREFACE.length) return;
      socket.off('data', sniff);
      socket.pause();
      if (isH2) {
        const upstream = connectNet(health.port, '127.0.0.1');
        upstream.on('error', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
        upstream.write(head);
        socket.pipe(upstream).pipe(socket);
        socket.resume();
      } else {
        socket.unshift(head);
        http1.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', sniff);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const port = (front.address() as AddressInfo).port;
  return {
    name,
    address: `127.0.0.1:${port}`,
    health,
    async stop() {
      front.close();
      for (const socket of sockets) socket.destroy();
      await health.stop();
    },
  };
}
