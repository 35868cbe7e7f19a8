// The gRPC active check: one grpc.health.v1.Health/Check call over its own HTTP/2 connection (h2c by
// prior knowledge, or h2 over TLS when the target carries TLS settings), judged by grpc-status and the
// reply's serving status.
import { type ClientHttp2Session, connect, constants, type IncomingHttpHeaders } from 'node:http2';
import { isIPv6 } from 'node:net';
import type { GrpcCheckConfig } from '../config/types.js';
import type { Abort, CheckTarget, Done } from './active-check.js';
import { decodeCheckReply, encodeCheckRequest, MalformedReply, SERVING, servingStatusName } from './grpc-health-wire.js';

const CHECK_PATH = '/grpc.health.v1.Health/Check';
/** A Check reply is a few bytes; more is not a health reply, and is not buffered. */
const MAX_REPLY_BYTES = 16 * 1024;
const GRPC_CODE_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/** HTTP/2 error codes (RFC 9113 section 7) a backend may reset the check's stream with. */
const RESET_CODE_NAMES = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
] as const;

function openSession(target: CheckTarget): ClientHttp2Session {
  const host = isIPv6(target.host) ? `[${target.host}]` : target.host;
  if (!target.tls) return connect(`http://${host}:${target.port}`);
  const { ca, insecure, serverName } = target.tls;
  return connect(`https://${host}:${target.port}`, {
    ...(ca === null ? {} : { ca }),
    rejectUnauthorized: !insecure,
    ...(serverName === null ? {} : { servername: serverName }),
  });
}

/**
 * A socket's or TLS's error code says it all (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT), as in the other
 * checks; node's own HTTP/2 codes do not (ERR_HTTP2_ERROR is a backend that does not speak HTTP/2 at all).
 */
function describeSessionError(error: NodeJS.ErrnoException): string {
  if (error.code?.startsWith('ERR_HTTP2')) return `http2 session error: ${error.message}`;
  return error.code ?? error.message;
}

/** "grpc-status 12 (UNIMPLEMENTED): unknown service" from a reply's status and percent-encoded message. */
function describeGrpcStatus(code: number, rawMessage: string | undefined): string {
  const name = GRPC_CODE_NAMES[code] ?? 'unknown code';
  let message = rawMessage ?? '';
  try {
    message = decodeURIComponent(message);
  } catch {
    // A message that is not valid percent-encoding is shown as sent.
  }
  return `grpc-status ${code} (${name})${message ? `: ${message}` : ''}`;
}

/** The verdict on a finished call: its HTTP status, grpc-status (trailers, or headers when trailers-only), body. */
function judge(status: number, grpc: IncomingHttpHeaders, body: Buffer): [ok: boolean, detail: string] {
  if (status !== 200) return [false, `http status ${status}`];
  const rawCode = grpc['grpc-status'];
  if (rawCode === undefined) return [false, 'reply without grpc-status'];
  if (!/^\d+$/.test(String(rawCode))) return [false, `malformed reply: grpc-status "${String(rawCode)}"`];
  const code = Number(rawCode);
  if (code !== 0) return [false, describeGrpcStatus(code, grpc['grpc-message'] as string | undefined)];
  try {
    const serving = decodeCheckReply(body);
    return [serving === SERVING, `grpc status ${servingStatusName(serving)}`];
  } catch (error) {
    if (!(error instanceof MalformedReply)) throw error;
    return [false, error.message];
  }
}

/** Starts the call; returns what tears it down (the check's deadline). */
export function grpcCheck(target: CheckTarget, check: GrpcCheckConfig, done: Done): Abort {
  const session = openSession(target);
  // Whatever the outcome, this connection carried its one call: close it once the verdict is in.
  const finish: Done = (ok, detail) => {
    done(ok, detail);
    session.destroy();
  };
  session.on('error', (error: NodeJS.ErrnoException) => finish(false, describeSessionError(error)));
  const stream = session.request({
    [constants.HTTP2_HEADER_METHOD]: 'POST',
    [constants.HTTP2_HEADER_PATH]: CHECK_PATH,
    'content-type': 'application/grpc',
    te: 'trailers',
    'user-agent': 'fulcrum-health-check',
  });
  let status = 0;
  let headers: IncomingHttpHeaders = {};
  let trailers: IncomingHttpHeaders | null = null;
  const chunks: Buffer[] = [];
  let received = 0;
  stream.once('response', (responseHeaders) => {
    status = Number(responseHeaders[constants.HTTP2_HEADER_STATUS]);
    headers = responseHeaders;
  });
  stream.once('trailers', (responseTrailers) => {
    trailers = responseTrailers;
  });
  stream.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > MAX_REPLY_BYTES) return finish(false, `malformed reply: body over ${MAX_REPLY_BYTES} bytes`);
    chunks.push(chunk);
  });
  let ended = false;
  stream.once('end', () => {
    ended = true;
  });
  // A stream's error only repeats what 'close' (its reset code) or the session's error says better.
  stream.on('error', () => undefined);
  // Judged at 'close', when the trailers and the body's end have both come (node emits those two in
  // either order for the closing HEADERS frame).
  stream.once('close', () => {
    if (ended) return finish(...judge(status, trailers ?? headers, Buffer.concat(chunks)));
    // A stream closed with its connection: the session's 'error' or 'close' names the cause.
    if (session.destroyed || session.closed) return;
    const reset = RESET_CODE_NAMES[stream.rstCode] ?? `code ${stream.rstCode}`;
    finish(false, status === 0 ? `stream reset before a reply (${reset})` : `stream reset mid-reply (${reset})`);
  });
  session.once('close', () => finish(false, 'connection closed before a reply'));
  stream.end(encodeCheckRequest(check.service));
  return () => session.destroy();
}
