// A real grpc-js server (test/fixtures/grpc/echo.proto) on loopback, and a grpc-js client for it, for the
// gRPC end-to-end tests. The server names itself in each reply and counts the calls it saw cancelled.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const PROTO = fileURLToPath(new URL('../fixtures/grpc/echo.proto', import.meta.url));

export interface EchoRequest {
  text?: string;
  count?: number;
  delayMs?: number;
  failCode?: number;
}

export interface EchoReply {
  text: string;
  server: string;
  index: number;
}

type Call = grpc.ServerUnaryCall<EchoRequest, EchoReply> | grpc.ServerWritableStream<EchoRequest, EchoReply>;

// biome-ignore lint/suspicious/noExplicitAny: grpc-js generates the client class at run time.
const definition = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO, { keepCase: false, defaults: true })) as any;
const EchoService = definition.fulcrum.test.Echo;

export interface GrpcOrigin {
  name: string;
  port: number;
  /** Calls whose client went away before the answer (grpc-js 'cancelled'). */
  readonly cancelled: number;
  /** Calls started, by method. */
  readonly calls: number;
  /** Stops at once, cutting open calls (a backend killed mid-stream). */
  kill(): void;
  stop(): Promise<void>;
}

/** Metadata `x-echo` comes back as initial metadata and, as `x-echo-trailer`, in the trailers. */
function echoMetadata(
  call: Call | grpc.ServerReadableStream<EchoRequest, EchoReply> | grpc.ServerDuplexStream<EchoRequest, EchoReply>,
): grpc.Metadata {
  const initial = new grpc.Metadata();
  const echo = call.metadata.get('x-echo')[0];
  if (echo !== undefined) initial.set('x-echo', String(echo));
  call.sendMetadata(initial);
  const trailer = new grpc.Metadata();
  if (echo !== undefined) trailer.set('x-echo-trailer', String(echo));
  return trailer;
}

function failure(request: EchoRequest, trailer: grpc.Metadata): Partial<grpc.StatusObject> | null {
  if (!request.failCode) return null;
  return { code: request.failCode, details: `failed as asked: ${request.text}`, metadata: trailer };
}

export async function startGrpcOrigin(name: string, port = 0): Promise<GrpcOrigin> {
  const server = new grpc.Server();
  let cancelled = 0;
  let calls = 0;
  const watch = (call: { on(event: 'cancelled', listener: () => void): unknown }) => {
    calls++;
    call.on('cancelled', () => cancelled++);
  };
  server.addService(EchoService.service, {
    Unary(call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) {
      watch(call);
      const trailer = echoMetadata(call);
      const request = call.request;
      setTimeout(() => {
        const failed = failure(request, trailer);
        if (failed) callback(failed, null);
        else callback(null, { text: request.text ?? '', server: name, index: 0 }, trailer);
      }, request.delayMs ?? 0);
    },
    ServerStream(call: grpc.ServerWritableStream<EchoRequest, EchoReply>) {
      watch(call);
      const trailer = echoMetadata(call);
      const request = call.request;
      let index = 0;
      const next = () => {
        if (call.cancelled) return;
        if (index >= (request.count ?? 0)) {
          const failed = failure(request, trailer);
          if (failed) call.emit('error', failed);
          else call.end(trailer);
          return;
        }
        call.write({ text: `${request.text}#${index}`, server: name, index });
        index++;
        setTimeout(next, request.delayMs ?? 0);
      };
      next();
    },
    ClientStream(call: grpc.ServerReadableStream<EchoRequest, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) {
      watch(call);
      const trailer = echoMetadata(call);
      const texts: string[] = [];
      call.on('data', (request: EchoRequest) => texts.push(request.text ?? ''));
      call.on('end', () => callback(null, { text: texts.join(','), server: name, index: texts.length }, trailer));
    },
    Bidi(call: grpc.ServerDuplexStream<EchoRequest, EchoReply>) {
      watch(call);
      const trailer = echoMetadata(call);
      let index = 0;
      call.on('data', (request: EchoRequest) => call.write({ text: request.text ?? '', server: name, index: index++ }));
      call.on('end', () => call.end(trailer));
    },
  });
  const boundPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    name,
    port: boundPort,
    get cancelled() {
      return cancelled;
    },
    get calls() {
      return calls;
    },
    kill: () => server.forceShutdown(),
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** The generated Echo client class; `new EchoClient('127.0.0.1:PORT', grpc.credentials.createInsecure())`. */
// biome-ignore lint/suspicious/noExplicitAny: grpc-js generates the client class at run time.
export const EchoClient: new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => any = EchoService;

/** A unary call as a promise, with the initial and trailing metadata it received. */
export function unary(
  // biome-ignore lint/suspicious/noExplicitAny: see EchoClient.
  client: any,
  request: EchoRequest,
  options: { metadata?: grpc.Metadata; deadlineMs?: number } = {},
): Promise<{ reply: EchoReply; initial: grpc.Metadata; trailing: grpc.Metadata }> {
  return new Promise((resolve, reject) => {
    let initial = new grpc.Metadata();
    let outcome: { error: grpc.ServiceError | null; reply: EchoReply } | null = null;
    const callOptions: grpc.CallOptions = options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
    const call = client.Unary(
      request,
      options.metadata ?? new grpc.Metadata(),
      callOptions,
      (error: grpc.ServiceError | null, reply: EchoReply) => {
        outcome = { error, reply };
      },
    );
    call.on('metadata', (metadata: grpc.Metadata) => {
      initial = metadata;
    });
    // grpc-js calls back before it emits 'status', which carries the trailing metadata.
    call.on('status', (status: grpc.StatusObject) => {
      if (outcome?.error) reject(outcome.error);
      else resolve({ reply: outcome?.reply as EchoReply, initial, trailing: status.metadata });
    });
  });
}

export { grpc };
