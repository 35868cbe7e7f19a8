// The HTTP check of a pool whose backends speak HTTP/2 (protocol h2c or h2): the same request and verdict
// as the HTTP/1.1 check (status ranges, an expected body), sent as one stream on its own connection.
import { constants } from 'node:http2';
import type { HttpCheckConfig } from '../config/types.js';
import type { Abort, CheckTarget, Done } from './active-check.js';
import { describeSessionError, openCheckSession } from './check-session.js';

const MAX_BODY_BYTES = 64 * 1024;

export function http2Check(target: CheckTarget, http: HttpCheckConfig, done: Done): Abort {
  const session = openCheckSession(target);
  const finish: Done = (ok, detail) => {
    done(ok, detail);
    session.destroy();
  };
  session.on('error', (error: NodeJS.ErrnoException) => finish(false, describeSessionError(error)));
  session.once('close', () => finish(false, 'connection closed before a reply'));
  const stream = session.request({
    [constants.HTTP2_HEADER_METHOD]: http.method,
    [constants.HTTP2_HEADER_PATH]: http.path,
    [constants.HTTP2_HEADER_AUTHORITY]: http.host ?? `${target.host}:${target.port}`,
    'user-agent': 'fulcrum-health-check',
  });
  stream.on('error', () => undefined);
  let status = 0;
  let body = '';
  stream.once('response', (headers) => {
    status = Number(headers[constants.HTTP2_HEADER_STATUS]);
  });
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    if (body.length < MAX_BODY_BYTES) body += chunk;
  });
  stream.once('end', () => {
    const statusOk = http.expectStatus.some(([low, high]) => status >= low && status <= high);
    if (!statusOk || http.expectBody === null) return finish(statusOk, `status ${status}`);
    const found = body.includes(http.expectBody);
    finish(found, found ? `status ${status}` : `status ${status}, body lacks "${http.expectBody}"`);
  });
  stream.once('close', () => {
    if (status === 0 && !session.destroyed) finish(false, `stream reset before a reply (code ${stream.rstCode})`);
  });
  return () => session.destroy();
}
