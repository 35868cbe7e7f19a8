// Fulcrum's own short replies (404 no route, 502/503/504 upstream trouble, 400/413 refused framing), each
// tagged with X-Fulcrum-Error.
import { endBodyless } from './bodyless-end.js';
import type { HttpResponse } from './uws.js';

const STATUS_TEXT: Record<number, string> = {
  400: '400 Bad Request',
  403: '403 Forbidden',
  404: '404 Not Found',
  408: '408 Request Timeout',
  413: '413 Content Too Large',
  429: '429 Too Many Requests',
  501: '501 Not Implemented',
  502: '502 Bad Gateway',
  503: '503 Service Unavailable',
  504: '504 Gateway Timeout',
};

/** What of the client's request shapes a reply to it. */
export interface ReplyContext {
  /** A HEAD request gets the headers of the reply and no body. */
  method: string;
  /**
   * uWS closes the connection after this response: the request's first Connection value is 5 characters
   * long ("close" in any case). uWS writes no `Connection: close` then, so Fulcrum does (RFC 9112 §9.6).
   */
  clientCloses: boolean;
}

/**
 * uWS 20.30's cork buffer. uWS collects what a request handler writes in it and sends it when the handler
 * returns, unless the request then turns out malformed: then it closes the connection and the buffer is
 * lost. A write larger than the buffer makes uWS send the buffer and the write at once.
 */
const CORK_BUFFER_BYTES = 16 * 1024;

export function replyError(
  res: HttpResponse,
  status: number,
  code: string,
  message: string,
  request: ReplyContext,
  headers?: Readonly<Record<string, string>>,
): void {
  res.cork(() => {
    writeHead(res, status, code, request);
    for (const name in headers) res.writeHeader(name, headers[name] as string);
    const body = `${message}\n`;
    if (request.method === 'HEAD') endBodyless(res, Buffer.byteLength(body));
    else res.end(body);
  });
}

/**
 * Refuses a request whose body length cannot be trusted, and closes the connection (RFC 9112 §6.3): what
 * follows the head cannot be read as a next request. uWS itself drops some of these connections as soon as
 * the handler returns (a Content-Length it cannot parse, a chunked body that is not), so the body is padded
 * with spaces past the cork buffer to leave at once. A HEAD reply has no body to pad: it is sent when uWS
 * keeps the connection until the reply is out (duplicate Host, conflicting Content-Length values).
 */
export function refuseAndClose(res: HttpResponse, status: number, code: string, message: string, request: ReplyContext): void {
  res.cork(() => {
    writeHead(res, status, code, request);
    // closeConnection makes uWS write `Connection: close` itself, unless it already closes for the client.
    if (request.method === 'HEAD') res.endWithoutBody(0, true);
    else res.end(`${message}\n`.padEnd(CORK_BUFFER_BYTES + 1, ' '), true);
  });
}

function writeHead(res: HttpResponse, status: number, code: string, request: ReplyContext): void {
  res
    .writeStatus(STATUS_TEXT[status] ?? String(status))
    .writeHeader('content-type', 'text/plain; charset=utf-8')
    .writeHeader('x-fulcrum-error', code);
  if (request.clientCloses) res.writeHeader('connection', 'close');
}
