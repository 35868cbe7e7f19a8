// bench.Echo from echo.proto, as the grpc-unary scenario's origin, checks and load runs use it.
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { REPO_ROOT } from '../paths.js';
import { UNARY_REQUEST_TEXT } from './payloads.js';

export interface EchoMessage {
  text: string;
}

export interface ServedReply {
  /** proto uint64, loaded as a decimal string so no count can overflow. */
  calls: string;
}

type Callback<Reply> = (error: grpc.ServiceError | null, reply: Reply) => void;

/** A bench.Echo client with its two methods typed (grpc-js types a loaded client's methods as possibly absent). */
export interface EchoClient extends grpc.Client {
  Unary(request: EchoMessage, options: grpc.CallOptions, callback: Callback<EchoMessage>): grpc.ClientUnaryCall;
  Served(request: object, options: grpc.CallOptions, callback: Callback<ServedReply>): grpc.ClientUnaryCall;
}

/** A client of bench.Echo on 127.0.0.1:port, in cleartext (h2c). */
export function echoClient(port: number): EchoClient {
  const Echo = loadEchoService();
  return new Echo(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as EchoClient;
}

/** The bench.Echo service as grpc-js loads it from bench/origins/echo.proto (read from the source tree at run time). */
export function loadEchoService(): grpc.ServiceClientConstructor {
  const definition = protoLoader.loadSync(join(REPO_ROOT, 'bench', 'origins', 'echo.proto'), { longs: String });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as { bench: { Echo: grpc.ServiceClientConstructor } };
  return loaded.bench.Echo;
}

/**
 * The body h2load sends with every call: one gRPC message (flag 0 = uncompressed, 4-byte big-endian length) holding
 * EchoRequest { text = UNARY_REQUEST_TEXT }, encoded by hand (field 1, wire type 2: tag 0x0a, length, UTF-8 bytes).
 */
export function unaryRequestFrame(): Buffer {
  const text = Buffer.from(UNARY_REQUEST_TEXT, 'utf8');
  const message = Buffer.concat([Buffer.from([0x0a, text.length]), text]);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** The headers a gRPC client sends with a unary call, as h2load must send them. */
export const GRPC_REQUEST_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/grpc', te: 'trailers' };
