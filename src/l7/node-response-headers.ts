// The response head both node fronts write (HTTP/1.1 through node:http, HTTP/2 streams through
// node:http2), from the backend's parsed head. Worker thread.
import type { ResponseHead } from './upstream/response-parser.js';

/**
 * The headers for node's writeHead: the backend's end-to-end ones (repeated names as arrays, except that
 * HTTP/2 joins repeats other than set-cookie, as it refuses arrays for single-valued names), the framing
 * node needs to decide between a length and chunked or DATA frames, and Fulcrum's own.
 */
export function responseHeaders(
  head: ResponseHead,
  setCookie: string | null,
  close: boolean,
  http2: boolean,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const { endToEnd } = head;
  for (let index = 0; index < endToEnd.length; index += 2) {
    const name = (endToEnd[index] as string).toLowerCase();
    const value = endToEnd[index + 1] as string;
    const previous = headers[name];
    if (previous === undefined) headers[name] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else headers[name] = http2 && name !== 'set-cookie' ? `${previous}, ${value}` : [previous, value];
  }
  if (setCookie !== null) {
    const previous = headers['set-cookie'];
    headers['set-cookie'] = previous === undefined ? setCookie : [...(Array.isArray(previous) ? previous : [previous]), setCookie];
  }
  const length = head.contentLength >= 0 ? head.contentLength : head.status === 204 ? -1 : head.declaredLength;
  if (length >= 0) headers['content-length'] = String(length);
  if (close) headers.connection = 'close';
  return headers;
}
