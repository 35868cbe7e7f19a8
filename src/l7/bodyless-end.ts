// Ends a client response that has no body (HEAD, 204, 304) while keeping the Content-Length it declares.
import type { HttpResponse } from './uws.js';

/**
 * `declaredLength` < 0 writes no Content-Length. uWS 20.30's own `endWithoutBody(length)` writes the header
 * but then waits for `length` body bytes that never come: the response stays pending, and uWS closes the
 * connection when the client's next request arrives, as if it were pipelined. So the header is written
 * here and the response ended with no length, which uWS counts as done at once.
 */
export function endBodyless(res: HttpResponse, declaredLength: number): void {
  if (declaredLength >= 0) res.writeHeader('content-length', String(declaredLength));
  res.endWithoutBody();
}
