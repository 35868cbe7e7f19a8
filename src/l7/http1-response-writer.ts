// Writes one exchange's response head and trailers to an HTTP/1.x client of the complete front (node:http);
// the body goes through NodeBodyWriter. Runs on an L7 worker thread.
import type { ServerResponse } from 'node:http';
import type { RespondingExchange } from './downstream.js';
import { NodeBodyWriter } from './node-body-writer.js';
import { responseHeaders } from './node-response-headers.js';
import { trailerRecord } from './trailer-fields.js';
import type { ResponseHead } from './upstream/response-parser.js';

export class Http1ResponseWriter extends NodeBodyWriter {
  private readonly res: ServerResponse;

  constructor(res: ServerResponse, exchange: RespondingExchange) {
    super(res, exchange);
    this.res = res;
  }

  writeHead(head: ResponseHead, setCookie: string | null, close: boolean): void {
    this.started = true;
    this.responseLength = head.contentLength;
    const headers = responseHeaders(head, setCookie, close, false);
    const bodyless = this.exchange.method === 'HEAD' || head.status === 204 || head.status === 304;
    const reason = head.statusLine.length > 4 ? head.statusLine.slice(4) : undefined;
    this.res.writeHead(head.status, reason, headers);
    if (bodyless) {
      this.res.end();
      this.exchange.markFinished();
    }
  }

  /** Sent after the last chunk (node writes trailers only on a chunked response, which this then is). */
  writeTrailers(trailers: string[]): void {
    this.res.addTrailers(trailerRecord(trailers));
  }
}
