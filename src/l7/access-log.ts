// Access log of an L7 worker: one JSON line per finished request on stdout, shaped like the main
// thread's pino lines (level, time, msg) so one log pipeline reads both. Off unless FULCRUM_ACCESS_LOG.

export interface AccessRecord {
  client: string;
  method: string;
  host: string;
  path: string;
  /** Status sent to the client; 0 when the client went away before one was sent. */
  status: number;
  /** Backend that answered ("ip:port"), or null (no route, no backend, a limit). */
  backend: string | null;
  pool: string | null;
  attempts: number;
  durationMs: number;
  /** Response body bytes Fulcrum wrote toward the client (a cut transfer's may not all have reached it). */
  bytesSent: number;
  /**
   * X-Fulcrum-Error code when Fulcrum answered itself; for a transfer cut short, why: client-aborted,
   * client-send-timeout, client-body-timeout, or upstream-<failure>.
   */
  error: string | null;
  /** The access rule that denied the request (error "denied"). */
  rule?: string;
  /** The WAF rules that matched: the request was blocked (error "waf"), or passed on in detect mode. */
  waf?: number[];
}

const INFO = 30;

export function writeAccessRecord(record: AccessRecord): void {
  process.stdout.write(
    `${JSON.stringify({ level: INFO, time: Date.now(), pid: process.pid, name: 'fulcrum', msg: 'http request', ...record })}\n`,
  );
}
