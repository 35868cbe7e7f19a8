// Builds the request head sent upstream: hop-by-hop headers removed, Host kept or rewritten,
// X-Forwarded-* and Forwarded set (appended to only when the client is a trusted proxy).
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

/**
 * `bodyFraming` is the header line that frames the body upstream ("content-length: N" or
 * "transfer-encoding: chunked"), or null when the request has no body.
 */
export function buildRequestHead(request: IncomingRequest, bodyFraming: string | null): string {
  const { headers, host, clientAddress, protocol } = request;
  const listed = connectionListed(headers);
  let head = `${request.method} ${request.target} HTTP/1.1\r\n`;
  const upstreamHost = request.hostRewrite ?? host;
  if (upstreamHost) head += `host: ${upstreamHost}\r\n`;
  for (let index = 0; index < headers.length; index += 2) {
    const name = headers[index] as string;
    if (HOP_BY_HOP.has(name) || FORWARDING.has(name) || CONSUMED.has(name)) continue;
    if (listed?.has(name)) continue;
    head += `${name}: ${headers[index + 1]}\r\n`;
  }
  const forwardedElement = `for=${forwardedFor(clientAddress)};proto=${protocol}${host ? `;host="${host}"` : ''}`;
  if (request.trusted) {
    // A trusted proxy's chain is kept: the address it connected from is the next hop to record.
    head += `x-forwarded-for: ${appendTo(incoming(headers, 'x-forwarded-for'), clientAddress)}\r\n`;
    head += `x-forwarded-proto: ${incoming(headers, 'x-forwarded-proto') || protocol}\r\n`;
    const forwardedHost = incoming(headers, 'x-forwarded-host') || host;
    if (forwardedHost) head += `x-forwarded-host: ${forwardedHost}\r\n`;
    head += `forwarded: ${appendTo(incoming(headers, 'forwarded'), forwardedElement)}\r\n`;
  } else {
    // Anyone else could claim any address, so their forwarding headers are replaced.
    head += `x-forwarded-for: ${clientAddress}\r\nx-forwarded-proto: ${protocol}\r\n`;
    if (host) head += `x-forwarded-host: ${host}\r\n`;
    head += `forwarded: ${forwardedElement}\r\n`;
  }
  if (bodyFraming) head += `${bodyFraming}\r\n`;
  return `${head}\r\n`;
}
