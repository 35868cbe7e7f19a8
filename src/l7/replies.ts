// Fulcrum's own short replies (404 no route, 502/503/504 upstream trouble), each tagged with X-Fulcrum-Error.
import type { HttpResponse } from './uws.js';

const STATUS_TEXT: Record<number, string> = {
  400: '400 Bad Request',
  404: '404 Not Found',
  413: '413 Content Too Large',
  502: '502 Bad Gateway',
  503: '503 Service Unavailable',
  504: '504 Gateway Timeout',
};

export function replyError(res: HttpResponse, status: number, code: string, message: string): void {
  res.cork(() => {
    res
      .writeStatus(STATUS_TEXT[status] ?? String(status))
      .writeHeader('content-type', 'text/plain; charset=utf-8')
      .writeHeader('x-fulcrum-error', code)
      .end(`${message}\n`);
  });
}
