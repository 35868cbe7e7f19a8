// The HTTP/2 connection of one active check of an h2c or h2 pool's backend (a gRPC check, or an HTTP check
// of a pool that speaks HTTP/2 upstream): h2c by prior knowledge, or TLS with the pool's settings.
import { type ClientHttp2Session, connect } from 'node:http2';
import { isIPv6 } from 'node:net';
import type { CheckTarget } from './active-check.js';

export function openCheckSession(target: CheckTarget): ClientHttp2Session {
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
export function describeSessionError(error: NodeJS.ErrnoException): string {
  if (error.code?.startsWith('ERR_HTTP2')) return `http2 session error: ${error.message}`;
  return error.code ?? error.message;
}
