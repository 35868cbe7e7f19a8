// Reads a node:http request's or a node:http2 stream's head into the form the request handler takes:
// lower-case header names, the HTTP/2 pseudo-headers turned into method, target and Host, cookie crumbs
// joined, and an absolute-form target split into its authority (which replaces Host, RFC 9112 §3.2.2) and
// path. Worker thread.
import type { IncomingMessage } from 'node:http';
import type { RequestHeadFacts } from './request-handler.js';

/** scheme://authority then the rest (path, query; a fragment is never sent). */
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)(.*)$/;
const COLON = 58;

export function http1RequestHead(req: IncomingMessage, scheme: 'http' | 'https'): RequestHeadFacts {
  return readHead(req.rawHeaders, false, req.method ?? 'GET', req.url ?? '/', scheme);
}

/** `raw`: the stream's headers as received, pseudo-headers included (the 'stream' event's fourth argument). */
export function http2RequestHead(raw: string[], scheme: 'http' | 'https'): RequestHeadFacts {
  return readHead(raw, true, 'GET', '/', scheme);
}

/** `method` and `url` are HTTP/1's; HTTP/2 gives them as :method and :path among the headers. */
function readHead(raw: string[], http2: boolean, firstLineMethod: string, url: string, scheme: 'http' | 'https'): RequestHeadFacts {
  const headers: string[] = [];
  let method = firstLineMethod;
  let target = url;
  let authority = '';
  let hasHost = false;
  let cookies: string[] | null = null;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index] as string;
    const value = raw[index + 1] as string;
    if (name.charCodeAt(0) === COLON) {
      if (name === ':authority') authority = value;
      else if (name === ':path') target = value;
      else if (name === ':method') method = value;
      continue;
    }
    const lower = name.toLowerCase();
    // RFC 9113 §8.2.3: an HTTP/2 client may split Cookie into crumbs; HTTP/1.1 wants one header.
    if (http2 && lower === 'cookie') (cookies ??= []).push(value);
    else {
      if (lower === 'host') hasHost = true;
      headers.push(lower, value);
    }
  }
  if (cookies !== null) headers.push('cookie', cookies.join('; '));
  if (target.charCodeAt(0) !== 47 && target !== '*') {
    const absolute = ABSOLUTE_FORM.exec(target);
    if (absolute !== null) {
      authority = (absolute[1] as string).replace(/^.*@/, '');
      target = absolute[2] || '/';
      replaceHost(headers, authority);
      hasHost = true;
    }
  }
  if (!hasHost && authority !== '') headers.push('host', authority);
  const queryAt = target.indexOf('?');
  return {
    method,
    path: queryAt < 0 ? target : target.slice(0, queryAt),
    query: queryAt < 0 ? '' : target.slice(queryAt + 1),
    headers,
    scheme,
    http2,
  };
}

/** Every Host the client sent gives way to the target's authority. */
function replaceHost(headers: string[], authority: string): void {
  for (let index = headers.length - 2; index >= 0; index -= 2) {
    if (headers[index] === 'host') headers.splice(index, 2);
  }
  headers.push('host', authority);
}

/** Node spells an IPv4 client of a dual-stack listener as ::ffff:a.b.c.d; Fulcrum logs and forwards a.b.c.d. */
export function clientAddressOf(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
