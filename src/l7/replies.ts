// Fulcrum's own short replies (404 no route, 502/503/504 upstream trouble), each tagged with X-Fulcrum-Error.
import type { HttpResponse } from './uws.js';

const STATUS_TEXT: Record<number, string> = {
  400: '400 Bad Request',
  404: '404 Not Found',
  408: '408 Request Timeout',
  413: '413 Content Too Large',
  502: '502 Bad Gateway',
  503: '503 Service Unavailable',
  504: '504 Gateway Timeout',
};

/** closeConnection: the client is in the middle of a request body Fulcrum gives up on; the connection cannot carry another. */
export function replyError(res: HttpResponse, status: number, code: string, message: string, closeConnection = false): void {
  res.cork(() => {
    res
      .writeStatus(STATUS_TEXT[status] ?? String(status))
      .writeHeader('content-type', 'text/plain; charset=utf-8')
      .writeHeader('x-fulcrum-error', code)
      .end(`${message}\n`, closeConnection);
  });
}
