// gRPC's view of Fulcrum's own replies: which requests are gRPC, the gRPC status each of Fulcrum's errors
// becomes, grpc-message's percent-encoding, and the grpc-timeout header (gRPC over HTTP/2, PROTOCOL-HTTP2.md).
// Pure functions; worker thread.

/** The gRPC status codes Fulcrum sends itself (grpc/doc/statuscodes.md). */
export const GRPC_DEADLINE_EXCEEDED = 4;
export const GRPC_PERMISSION_DENIED = 7;
export const GRPC_RESOURCE_EXHAUSTED = 8;
export const GRPC_UNIMPLEMENTED = 12;
export const GRPC_INTERNAL = 13;
export const GRPC_UNAVAILABLE = 14;

/** `application/grpc`, `application/grpc+proto`, `application/grpc;...`; not gRPC-Web (`application/grpc-web`). */
export function isGrpcContentType(contentType: string | undefined): boolean {
  if (contentType === undefined || !contentType.startsWith('application/grpc')) return false;
  const next = contentType.charCodeAt(16);
  // NaN: nothing follows; 43 '+', 59 ';'.
  return Number.isNaN(next) || next === 43 || next === 59;
}

/**
 * The gRPC status of Fulcrum's own reply (its HTTP status and X-Fulcrum-Error code), as Envoy answers gRPC
 * clients with local replies: the backend out of reach (no backend, a connect failure or timeout, a reset,
 * a malformed answer) is UNAVAILABLE, which clients may retry; a response timeout is DEADLINE_EXCEEDED; a
 * refused size is RESOURCE_EXHAUSTED; no route is UNIMPLEMENTED (no such service or method); anything else
 * (a refused request framing) INTERNAL.
 */
export function grpcStatusOf(status: number, code: string): number {
  switch (status) {
    case 502:
    case 503:
      return GRPC_UNAVAILABLE;
    case 504:
      // The backend never took the connection: it is out of reach, not slow (Envoy: "upstream connect error").
      return code === 'upstream-connect-timeout' ? GRPC_UNAVAILABLE : GRPC_DEADLINE_EXCEEDED;
    case 408:
      return GRPC_DEADLINE_EXCEEDED;
    case 413:
    case 414:
    case 429:
    case 431:
      return GRPC_RESOURCE_EXHAUSTED;
    case 404:
      return GRPC_UNIMPLEMENTED;
    case 403:
      // An access rule denied the call (Envoy's RBAC filter answers the same).
      return GRPC_PERMISSION_DENIED;
    default:
      return GRPC_INTERNAL;
  }
}

const UNENCODED_MESSAGE = /^[\x20-\x24\x26-\x7e]*$/;

/** grpc-message's form: the UTF-8 bytes outside printable ASCII, and `%` itself, as %XX. */
export function percentEncodeGrpcMessage(message: string): string {
  if (UNENCODED_MESSAGE.test(message)) return message;
  let encoded = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    encoded +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** Nanoseconds per grpc-timeout unit (Hours, Minutes, Seconds, milliseconds, microseconds, nanoseconds): integers, so that exact values stay exact. */
const UNIT_NS: Readonly<Record<string, number>> = { H: 3_600e9, M: 60e9, S: 1e9, m: 1e6, u: 1e3, n: 1 };
const GRPC_TIMEOUT = /^(\d{1,8})([HMSmun])$/;

/**
 * The call's deadline from its grpc-timeout header (`TimeoutValue TimeoutUnit`, at most 8 digits), in whole
 * milliseconds rounded up so that a sub-millisecond deadline stays a deadline; 0 when there is none. An
 * invalid value is ignored, as gRPC servers (grpc-go, grpc-java) and Envoy ignore it: the call goes on
 * under Fulcrum's own timeout. So is a zero value, which Envoy takes as no deadline.
 */
export function grpcTimeoutMs(header: string): number {
  const parsed = GRPC_TIMEOUT.exec(header);
  if (parsed === null) return 0;
  return Math.ceil((Number(parsed[1]) * (UNIT_NS[parsed[2] as string] as number)) / 1e6);
}

/** The fields that carry one of Fulcrum's errors to a gRPC client, in a trailers-only response or in trailers. */
export function grpcErrorFields(grpcStatus: number, code: string, message: string): Record<string, string> {
  return { 'grpc-status': String(grpcStatus), 'grpc-message': percentEncodeGrpcMessage(message), 'x-fulcrum-error': code };
}
