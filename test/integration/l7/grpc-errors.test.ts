// Fulcrum's own errors as a real gRPC client (grpc-js) sees them on the complete front: a trailers-only
// response with the gRPC status Envoy would give (no route, no backend, a timeout, a size limit), UNAVAILABLE
// in the trailers when the backend dies mid-response, INTERNAL when it ends without a grpc-status, and the
// call's grpc-timeout capping Fulcrum's own response timeout. The backends are raw HTTP/1.1 sockets.
import { connect, constants } from 'node:http2';
import { createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Client, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h2Request, openH2Session } from '../../helpers/h2-client.js';
import { type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort } from '../../helpers/origins.js';

const MAX_BODY_BYTES = 1024;

/** One length-prefixed gRPC message (uncompressed). */
function grpcFrame(payload: string): Buffer {
  const body = Buffer.from(payload);
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  return frame;
}

/** A raw HTTP/1.1 backend: `answer` runs once the whole (chunked) request arrived; null never answers. */
async function startRawBackend(answer: ((socket: Socket) => void) | null): Promise<{ address: string; server: Server }> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    let seen = '';
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      const body = seen.slice(seen.indexOf('\r\n\r\n') + 4);
      const complete = seen.includes('\r\n\r\n') && (body.startsWith('0\r\n') || body.includes('\r\n0\r\n')) && body.endsWith('\r\n\r\n');
      if (complete && answer) answer(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { address: `127.0.0.1:${port}`, server };
}

const GRPC_HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\ntransfer-encoding: chunked\r\n\r\n';

function chunk(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
}

interface CallResult {
  error: ServiceError | null;
  reply: Buffer | undefined;
}

/** One unary call with raw Buffer (de)serializers: no proto needed. */
function unaryCall(client: Client, path: string, payload: Buffer, deadlineMs = 10_000): Promise<CallResult> {
  return new Promise((resolve) => {
    const identity = (bytes: Buffer): Buffer => bytes;
    client.makeUnaryRequest(path, identity, identity, payload, new Metadata(), { deadline: Date.now() + deadlineMs }, (error, reply) =>
      resolve({ error, reply }),
    );
  });
}

describe('gRPC errors Fulcrum makes itself (complete front)', () => {
  const servers: Server[] = [];
  let proxy: L7Proxy;
  let client: Client;

  beforeAll(async () => {
    const silent = await startRawBackend(null);
    const midway = await startRawBackend((socket) => {
      socket.write(GRPC_HEAD);
      socket.end(chunk(grpcFrame('partial')));
    });
    const noStatus = await startRawBackend((socket) => {
      socket.write(GRPC_HEAD);
      socket.write(chunk(grpcFrame('whole')));
      socket.write('0\r\nx-note: no status here\r\n\r\n');
    });
    const ok = await startRawBackend((socket) => {
      socket.write(GRPC_HEAD);
      socket.write(chunk(grpcFrame('pong')));
      socket.write('0\r\ngrpc-status: 0\r\n\r\n');
    });
    // A Trailers-Only answer in an HTTP/1.1 head: its status stands, no INTERNAL is added.
    const headStatus = await startRawBackend((socket) => {
      socket.write(
        'HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\ngrpc-status: 5\r\ngrpc-message: no such row\r\ncontent-length: 0\r\n\r\n',
      );
    });
    servers.push(silent.server, midway.server, noStatus.server, ok.server, headStatus.server);
    const pool = (address: string): Record<string, unknown> => ({ backends: [address] });
    proxy = await startL7Proxy(
      { FULCRUM_PROTOCOLS: 'all', FULCRUM_RESPONSE_TIMEOUT: '30s', FULCRUM_MAX_BODY: String(MAX_BODY_BYTES) },
      {
        pools: {
          refused: pool(`127.0.0.1:${await freePort()}`),
          silent: pool(silent.address),
          midway: pool(midway.address),
          nostatus: pool(noStatus.address),
          ok: pool(ok.address),
          headstatus: pool(headStatus.address),
        },
        routes: ['refused', 'silent', 'midway', 'nostatus', 'ok', 'headstatus'].map((name) => ({
          match: { pathPrefix: `/${name}.` },
          pool: name,
        })),
      },
    );
    client = new Client(`127.0.0.1:${proxy.port}`, credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await proxy?.stop();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('passes a whole response and its grpc-status through', async () => {
    const { error, reply } = await unaryCall(client, '/ok.Echo/Call', Buffer.from('ping'));
    expect(error).toBeNull();
    expect(reply?.toString()).toBe('pong');
  });

  it("passes a backend's Trailers-Only answer (grpc-status in its head) as one", async () => {
    const { error } = await unaryCall(client, '/headstatus.Svc/Call', Buffer.from('ping'));
    expect(error?.code).toBe(status.NOT_FOUND);
    expect(error?.details).toBe('no such row');
  });

  it('answers a call no route matches with UNIMPLEMENTED and its own message', async () => {
    const { error } = await unaryCall(client, '/nowhere.Svc/Call', Buffer.from('ping'));
    expect(error?.code).toBe(status.UNIMPLEMENTED);
    expect(error?.details).toMatch(/^No route matches POST 127\.0\.0\.1:\d+\/nowhere\.Svc\/Call\.$/);
    expect(error?.metadata.get('x-fulcrum-error')).toEqual(['no-route']);
  });

  it('answers UNAVAILABLE when the backend refuses connections', async () => {
    const { error } = await unaryCall(client, '/refused.Svc/Call', Buffer.from('ping'));
    expect(error?.code).toBe(status.UNAVAILABLE);
    expect(error?.metadata.get('x-fulcrum-error')[0]).toMatch(/^(upstream-connect|no-backend)$/);
  });

  it('answers RESOURCE_EXHAUSTED to a body over FULCRUM_MAX_BODY', async () => {
    const { error } = await unaryCall(client, '/silent.Svc/Call', Buffer.alloc(4 * MAX_BODY_BYTES, 'x'));
    expect(error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(error?.metadata.get('x-fulcrum-error')).toEqual(['body-too-large']);
  });

  it('ends a response the backend dropped midway with UNAVAILABLE, after the message it sent', async () => {
    const { error } = await unaryCall(client, '/midway.Svc/Call', Buffer.from('ping'));
    expect(error?.code).toBe(status.UNAVAILABLE);
    expect(error?.details).toBe('The backend failed mid-response.');
    expect(error?.metadata.get('x-fulcrum-error')).toEqual(['upstream-reset']);
  });

  it('ends a response whose trailers carry no grpc-status with INTERNAL', async () => {
    const { error } = await unaryCall(client, '/nostatus.Svc/Call', Buffer.from('ping'));
    expect(error?.code).toBe(status.INTERNAL);
    expect(error?.details).toBe('The backend sent no grpc-status.');
    expect(error?.metadata.get('x-note')).toEqual(['no status here']);
  });

  it("answers DEADLINE_EXCEEDED itself when the call's grpc-timeout passes, long before its own response timeout", async () => {
    const session = await openH2Session(proxy.port);
    try {
      const started = performance.now();
      const reply = await h2Request(
        session,
        { ':method': 'POST', ':path': '/silent.Svc/Call', 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '300m' },
        grpcFrame('ping'),
        10_000,
      );
      const elapsedMs = performance.now() - started;
      expect(reply.status).toBe(200);
      expect(reply.headers).toMatchObject({
        'grpc-status': String(status.DEADLINE_EXCEEDED),
        'grpc-message': "The call's grpc-timeout (300 ms) passed.",
        'x-fulcrum-error': 'deadline-exceeded',
      });
      expect(reply.body.length).toBe(0);
      // The call's own timer, not the 30 s response timeout.
      expect(elapsedMs).toBeGreaterThanOrEqual(290);
      expect(elapsedMs).toBeLessThan(1_000);
    } finally {
      session.close();
    }
  });

  it('keeps the plain reply for a request that is not gRPC', async () => {
    const session = await openH2Session(proxy.port);
    try {
      const reply = await h2Request(session, { ':method': 'POST', ':path': '/nowhere', 'content-type': 'application/json' }, '{}');
      expect(reply.status).toBe(404);
      expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(reply.headers['grpc-status']).toBeUndefined();
    } finally {
      session.close();
    }
  });
});

describe('gRPC: a backend failing while the client takes none of the response', () => {
  let backend: Server;
  let proxy: L7Proxy;

  beforeAll(async () => {
    // One message far larger than the client's stream window, then silence past the upstream idle timeout.
    const stalling = await startRawBackend((socket) => {
      socket.write(GRPC_HEAD);
      socket.write(chunk(grpcFrame('x'.repeat(1024 * 1024))));
    });
    backend = stalling.server;
    proxy = await startL7Proxy(
      { FULCRUM_PROTOCOLS: 'all', FULCRUM_UPSTREAM_IDLE_TIMEOUT: '500ms' },
      { pools: { stalling: { backends: [stalling.address] } }, routes: [{ match: { pathPrefix: '/' }, pool: 'stalling' }] },
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await new Promise((resolve) => backend?.close(resolve));
  });

  it('resets the stream: its trailers would wait behind a body the client never takes', async () => {
    // node's default 64 KiB stream window, which the response outgrows.
    const session = connect(`http://127.0.0.1:${proxy.port}`);
    try {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/stalling.Svc/Call',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.end(grpcFrame('ping'));
      stream.pause();
      const ending = await new Promise<string>((resolve) => {
        stream.once('trailers', (trailers) => resolve(`trailers ${JSON.stringify(trailers)}`));
        // A paused stream reports the reset as an error; its 'close' waits for the unread body.
        stream.once('error', () => resolve(`reset ${stream.rstCode}`));
      });
      expect(ending).toBe(`reset ${constants.NGHTTP2_INTERNAL_ERROR}`);
    } finally {
      session.destroy();
    }
  });
});
