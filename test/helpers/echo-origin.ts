// An origin that answers every request with what it received (method, target, headers, body) as JSON,
// so a test can check what a client's request looked like after the proxy forwarded it.
import type { IncomingHttpHeaders } from 'node:http';
import { startOrigin, type TestOrigin } from './origins.js';

export interface EchoedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export function startEchoOrigin(name = 'echo'): Promise<TestOrigin> {
  return startOrigin(name, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const echoed: EchoedRequest = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      };
      const body = JSON.stringify(echoed);
      // A length, not chunks: HTTP/1.0 clients and pipelined readers see the same framing either way.
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      response.end(body);
    });
  });
}

/** Every echoed request in `text` (a raw HTTP/1.x byte stream or a body), in the order they appear. */
export function echoedRequestsIn(text: string): EchoedRequest[] {
  return [...text.matchAll(/\{"method".*?"body":"(?:[^"\\]|\\.)*"\}/g)].map((match) => JSON.parse(match[0]) as EchoedRequest);
}
