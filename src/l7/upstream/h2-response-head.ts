// An HTTP/2 backend's response head and trailers in the shape the fronts write (ResponseHead, flat field
// lists), so a response from an h2 or h2c pool reaches HTTP/1.1 and HTTP/2 clients alike. Worker thread.
import { STATUS_CODES } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http2';
import type { ResponseHead } from './response-parser.js';

/** Connection-specific fields (RFC 9113 §8.2.2 makes them malformed in HTTP/2): never passed on, should a backend send them. */
const NOT_PASSED_ON = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'content-length']);

/** Flat [name, value, ...] of the fields a proxy passes on; pseudo-headers left out. */
export function fieldList(headers: IncomingHttpHeaders): string[] {
  const fields: string[] = [];
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* ':' */ || NOT_PASSED_ON.has(name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) fields.push(name, item);
    else fields.push(name, value);
  }
  return fields;
}

/**
 * `bodyless`: the request was HEAD. Without a Content-Length the body is undelimited: `chunked` tells the
 * fronts to frame it themselves (HTTP/1.1 chunked, HTTP/2 DATA frames) and to expect trailers.
 */
export function responseHeadOf(headers: IncomingHttpHeaders, requestWasHead: boolean): ResponseHead {
  const status = Number(headers[':status']);
  const lengthText = headers['content-length'];
  const declaredLength = lengthText === undefined ? -1 : Number(lengthText);
  const bodyless = requestWasHead || status === 204 || status === 304;
  const contentLength = bodyless ? -1 : declaredLength;
  return {
    status,
    statusLine: `${status} ${STATUS_CODES[status] ?? 'Unknown'}`,
    endToEnd: fieldList(headers),
    declaredLength,
    keepAlive: true,
    contentLength,
    chunked: !bodyless && contentLength < 0,
  };
}
