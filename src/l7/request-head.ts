// Builds the request head sent upstream: hop-by-hop headers removed, X-Forwarded-* and Forwarded set.

/** RFC 9110 §7.6.1 hop-by-hop headers, plus those that only describe the client's own connection. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
const FORWARDING = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded']);

export interface IncomingRequest {
  method: string;
  /** Path and query as received, e.g. /a?b=1. */
  target: string;
  /** Flat [name, value, ...] with lower-case names, as uWS reports them. */
  headers: string[];
  host: string;
  clientAddress: string;
  protocol: 'http' | 'https';
}

/** Headers the client declared hop-by-hop through `Connection: a, b`. */
function connectionListed(headers: string[]): Set<string> | null {
  let listed: Set<string> | null = null;
  for (let index = 0; index < headers.length; index += 2) {
    if (headers[index] !== 'connection') continue;
    for (const token of (headers[index + 1] as string).split(',')) {
      (listed ??= new Set()).add(token.trim().toLowerCase());
    }
  }
  return listed;
}

function forwardedFor(address: string): string {
  return address.includes(':') ? `"[${address}]"` : address;
}

/**
 * `bodyFraming` is the header line that frames the body upstream ("content-length: N" or
 * "transfer-encoding: chunked"), or null when the request has no body.
 */
export function buildRequestHead(request: IncomingRequest, bodyFraming: string | null): string {
  const listed = connectionListed(request.headers);
  let head = `${request.method} ${request.target} HTTP/1.1\r\n`;
  const { headers } = request;
  for (let index = 0; index < headers.length; index += 2) {
    const name = headers[index] as string;
    if (HOP_BY_HOP.has(name) || FORWARDING.has(name) || name === 'content-length') continue;
    if (listed?.has(name)) continue;
    head += `${name}: ${headers[index + 1]}\r\n`;
  }
  // Incoming forwarding headers are not trusted: the client could claim any address.
  head += `x-forwarded-for: ${request.clientAddress}\r\n`;
  head += `x-forwarded-proto: ${request.protocol}\r\n`;
  if (request.host) head += `x-forwarded-host: ${request.host}\r\n`;
  head += `forwarded: for=${forwardedFor(request.clientAddress)};proto=${request.protocol}`;
  head += request.host ? `;host="${request.host}"\r\n` : '\r\n';
  if (bodyFraming) head += `${bodyFraming}\r\n`;
  return `${head}\r\n`;
}

/** Response headers that must not be copied to the client (uWS frames the body itself). */
export function isResponseHeaderDropped(name: string): boolean {
  return HOP_BY_HOP.has(name) || name === 'content-length';
}
