// When a failed upstream exchange may be sent again, to another backend.
import type { UpstreamError } from './upstream/upstream-error.js';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/**
 * A request that never reached the backend may always go elsewhere. One that did may go again only when
 * RFC 9110 §9.2.2 allows it: an idempotent method, no body byte sent (it could not be replayed), and the
 * backend reset or closed the connection before a single byte of answer — on a stale keep-alive socket or
 * a fresh one alike (a backend being stopped resets connections it had accepted). Timeouts are not
 * retried: the backend may still be working on the request.
 */
export function mayResend(error: UpstreamError, method: string, bodySent: boolean): boolean {
  if (bodySent) return false;
  if (!error.requestSent) return true;
  return error.failure === 'reset' && !error.responseBegun && IDEMPOTENT.has(method);
}
