// Builds the request head sent upstream, as HTTP/1.1 text or HTTP/2 fields: hop-by-hop headers removed, Host kept or rewritten,
// X-Forwarded-* and Forwarded set (appended to only when the client is a trusted proxy).
import type { OutgoingHttpHeaders } from 'node:http2';
import { connectionOptions, HOP_BY_HOP_NAMES } from './upstream/header-names.js';

const HOP_BY_HOP = new Set(HOP_BY_HOP_NAMES);
/** Not forwarded as received: uWS already answered `Expect: 100-continue`, and Fulcrum frames the body itself. */
const CONSUMED = new Set(['expect', 'content-length', 'host']);
const FORWARDING = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded']);

export interface IncomingRequest {
  method: string;
  /** Path and query as sent upstream, e.g. /a?b=1 (after any prefix stripping). */
  target: string;
  /** Flat [name, value, ...] with lower-case names, as uWS reports them. */
  headers: string[];
  /** The client's Host header. */
  host: string;
  clientAddress: string;
  protocol: 'http' | 'https';
  /** The client is a configured trusted proxy: its forwarding headers are kept and appended to. */
  trusted: boolean;
  /** Host header for the backend instead of the client's (pools.NAME.hostRewrite), or null. */
  hostRewrite: string | null;
}

/** Headers a peer declared hop-by-hop through `Connection: a, b` (flat lower-case name/value list). */
function connectionListed(headers: string[]): Set<string> | null {
  let listed: Set<string> | null = null;
  for (let index = 0; index < headers.length; index += 2) {
    if (headers[index] !== 'connection') continue;
    const value = headers[index + 1] as string;
    // What nearly every peer sends, answered without splitting.
    if (value === 'keep-alive' || value === 'close') continue;
    for (const name of connectionOptions(value).listed) (listed ??= new Set()).add(name);
  }
  return listed;
}

function forwardedFor(address: string): string {
  return address.includes(':') ? `"[${address}]"` : address;
}

/** Values a trusted proxy sent for one forwarding header, joined as one list ('' when absent). */
function incoming(headers: string[], name: string): string {
  let joined = '';
  for (let index = 0; index < headers.length; index += 2) {
    if (headers[index] === name) joined = joined === '' ? (headers[index + 1] as string) : `${joined}, ${headers[index + 1]}`;
  }
  return joined;
}

function appendTo(list: string, item: string): string {
  return list === '' ? item : `${list}, ${item}`;
}

/** Where the forwarded header fields go: HTTP/1.1 text, or an HTTP/2 header list. */
interface HeadFields {
  add(name: string, value: string): void;
}

class HeadText implements HeadFields {
  text: string;

  constructor(requestLine: string) {
    this.text = requestLine;
  }

  add(name: string, value: string): void {
    this.text += `${name}: ${value}\r\n`;
  }
}

/** HTTP/2 fields (RFC 9113 §8.2.2): Host becomes :authority, and a repeated name is one field with joined values. */
class HeadRecord implements HeadFields {
  readonly record: OutgoingHttpHeaders;

  constructor(record: OutgoingHttpHeaders) {
    this.record = record;
  }

  add(name: string, value: string): void {
    const { record } = this;
    if (name === 'host') {
      record[':authority'] = value;
      return;
    }
    const previous = record[name];
    record[name] = previous === undefined ? value : `${previous}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
}

/**
 * The HTTP/1.1 head. `bodyFraming` is the header line that frames the body upstream ("content-length: N"
 * or "transfer-encoding: chunked"), or null when the request has no body.
 */
export function buildRequestHead(request: IncomingRequest, bodyFraming: string | null): string {
  const head = new HeadText(`${request.method} ${request.target} HTTP/1.1\r\n`);
  addForwardedFields(request, head);
  if (bodyFraming) head.text += `${bodyFraming}\r\n`;
  return `${head.text}\r\n`;
}

/**
 * The HTTP/2 head for an h2c or h2 pool (`secure`: h2). `declaredLength` is the body's Content-Length, or
 * null: HTTP/2 frames the body itself. TE survives only as `te: trailers`, which gRPC servers require, and
 * Trailer, which announces request trailers (the upstream stream then waits for them: h2-stream-link.ts).
 */
export function buildH2RequestHeaders(request: IncomingRequest, secure: boolean, declaredLength: string | null): OutgoingHttpHeaders {
  const head = new HeadRecord({ ':method': request.method, ':scheme': secure ? 'https' : 'http', ':path': request.target });
  addForwardedFields(request, head);
  const { record } = head;
  if (declaredLength !== null) record['content-length'] = declaredLength;
  if (wantsTrailers(request.headers)) record.te = 'trailers';
  const announced = incoming(request.headers, 'trailer');
  if (announced !== '') record.trailer = announced;
  return record;
}

function wantsTrailers(headers: string[]): boolean {
  for (let index = 0; index < headers.length; index += 2) {
    if (headers[index] === 'te' && /(^|,)\s*trailers\s*(;|,|$)/i.test(headers[index + 1] as string)) return true;
  }
  return false;
}

/** Host, the client's end-to-end headers, and the forwarding headers. */
function addForwardedFields(request: IncomingRequest, head: HeadFields): void {
  const { headers, host, clientAddress, protocol } = request;
  const listed = connectionListed(headers);
  const upstreamHost = request.hostRewrite ?? host;
  if (upstreamHost) head.add('host', upstreamHost);
  for (let index = 0; index < headers.length; index += 2) {
    const name = headers[index] as string;
    if (HOP_BY_HOP.has(name) || FORWARDING.has(name) || CONSUMED.has(name)) continue;
    if (listed?.has(name)) continue;
    head.add(name, headers[index + 1] as string);
  }
  const forwardedElement = `for=${forwardedFor(clientAddress)};proto=${protocol}${host ? `;host="${host}"` : ''}`;
  if (request.trusted) {
    // A trusted proxy's chain is kept: the address it connected from is the next hop to record.
    head.add('x-forwarded-for', appendTo(incoming(headers, 'x-forwarded-for'), clientAddress));
    head.add('x-forwarded-proto', incoming(headers, 'x-forwarded-proto') || protocol);
    const forwardedHost = incoming(headers, 'x-forwarded-host') || host;
    if (forwardedHost) head.add('x-forwarded-host', forwardedHost);
    head.add('forwarded', appendTo(incoming(headers, 'forwarded'), forwardedElement));
  } else {
    // Anyone else could claim any address, so their forwarding headers are replaced.
    head.add('x-forwarded-for', clientAddress);
    head.add('x-forwarded-proto', protocol);
    if (host) head.add('x-forwarded-host', host);
    head.add('forwarded', forwardedElement);
  }
}
