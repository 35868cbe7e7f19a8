// One active health check of one backend: a TCP connect, an HTTP request judged by status and body, or a
// gRPC Health/Check call (grpc-check.ts).
import { request } from 'node:http';
import { connect } from 'node:net';
import type { HealthCheckConfig } from '../config/types.js';
import type { UpstreamTlsConfig } from '../config/upstream-protocol.js';
import { datagramCheck } from './datagram-check.js';
import { grpcCheck } from './grpc-check.js';
import { http2Check } from './http2-check.js';

export interface CheckResult {
  ok: boolean;
  /** What was seen, for logs and /stats: "connected", "status 503", "timeout after 1000 ms", ... */
  detail: string;
  durationMs: number;
}

/** What a gRPC check needs of an `h2` pool's TLS settings. */
export type CheckTls = Pick<UpstreamTlsConfig, 'ca' | 'insecure' | 'serverName'>;

export interface CheckTarget {
  host: string;
  port: number;
  /** The backend speaks HTTP/2 (an h2c or h2 pool): HTTP checks go as HTTP/2 too. */
  http2?: boolean;
  /** HTTP/2 checks: the TLS settings of a `protocol: h2` pool; absent or null speaks h2c. */
  tls?: CheckTls | null;
}

const MAX_BODY_BYTES = 64 * 1024;

export type Done = (ok: boolean, detail: string) => void;
/** Starts a check; returns what stops it (called when the check's deadline passes first). */
export type Abort = () => void;

function tcpCheck(target: CheckTarget, done: Done): Abort {
  const socket = connect({ host: target.host, port: target.port });
  socket.once('connect', () => {
    socket.destroy();
    done(true, 'connected');
  });
  socket.once('error', (error: NodeJS.ErrnoException) => done(false, error.code ?? error.message));
  return () => socket.destroy();
}

function httpCheck(target: CheckTarget, check: HealthCheckConfig, done: Done): Abort {
  const http = check.http;
  if (!http) {
    done(false, 'http check without http settings');
    return () => undefined;
  }
  if (target.http2) return http2Check(target, http, done);
  const outgoing = request({
    host: target.host,
    port: target.port,
    method: http.method,
    path: http.path,
    agent: false,
    headers: { host: http.host ?? `${target.host}:${target.port}`, 'user-agent': 'fulcrum-health-check', connection: 'close' },
  });
  outgoing.once('error', (error: NodeJS.ErrnoException) => done(false, error.code ?? error.message));
  outgoing.once('response', (response) => {
    const status = response.statusCode ?? 0;
    const statusOk = http.expectStatus.some(([low, high]) => status >= low && status <= high);
    if (!statusOk || http.expectBody === null) {
      response.resume();
      response.once('end', () => done(statusOk, `status ${status}`));
      response.once('error', () => done(statusOk, `status ${status}`));
      return;
    }
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (body.length < MAX_BODY_BYTES) body += chunk;
    });
    response.once('end', () => {
      const found = body.includes(http.expectBody as string);
      done(found, found ? `status ${status}` : `status ${status}, body lacks "${http.expectBody}"`);
    });
  });
  outgoing.end();
  // Destroying the request also ends a response still arriving on its socket.
  return () => outgoing.destroy();
}

function startCheck(target: CheckTarget, check: HealthCheckConfig, done: Done): Abort {
  switch (check.kind) {
    case 'tcp':
      return tcpCheck(target, done);
    case 'http':
      return httpCheck(target, check, done);
    case 'grpc':
      if (!check.grpc) {
        done(false, 'grpc check without grpc settings');
        return () => undefined;
      }
      return grpcCheck(target, check.grpc, done);
    case 'udp':
    case 'dns':
      if (!check.datagram) {
        done(false, `${check.kind} check without its settings`);
        return () => undefined;
      }
      return datagramCheck(target, check.datagram, done);
  }
}

export function runCheck(target: CheckTarget, check: HealthCheckConfig): Promise<CheckResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done: Done = (ok, detail) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve({ ok, detail, durationMs: Math.round((performance.now() - started) * 10) / 10 });
    };
    // One deadline for the whole check, connect included: a socket timeout would only measure silence,
    // so a host that drops SYNs or a backend that trickles its answer would never fail the check.
    const deadline = setTimeout(() => {
      abort();
      done(false, `timeout after ${check.timeoutMs} ms`);
    }, check.timeoutMs);
    const abort = startCheck(target, check, done);
  });
}
