// Real node:http2 origins on loopback (h2c, or h2 over TLS) for tests of Fulcrum's HTTP/2 upstream: each
// counts its sessions and streams and answers through a handler the test gives.
import { readFileSync } from 'node:fs';
import {
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { CertificatePair } from './tls-files.js';

export interface H2Origin {
  name: string;
  port: number;
  address: string;
  sessions: number;
  streams: number;
  close(): Promise<void>;
}

export type H2Handler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, origin: H2Origin) => void;

/** Answers 200 with the origin's name, and echoes the request's method, path, body length and trailers in headers. */
export const answerWithName: H2Handler = (stream, headers, origin) => {
  let bytes = 0;
  let trailers = '';
  stream.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  stream.on('trailers', (fields: IncomingHttpHeaders) => {
    trailers = JSON.stringify(fields);
  });
  stream.on('end', () => {
    if (stream.destroyed) return;
    stream.respond({
      ':status': 200,
      'x-origin': origin.name,
      'x-method': String(headers[':method']),
      'x-path': String(headers[':path']),
      'x-body-bytes': String(bytes),
      'x-authority': String(headers[':authority'] ?? ''),
      'x-te': String(headers.te ?? ''),
      'x-request-trailers': trailers,
    });
    stream.end(origin.name);
  });
};

export async function startH2Origin(name: string, handler: H2Handler = answerWithName, tls?: CertificatePair): Promise<H2Origin> {
  const server: Http2Server | Http2SecureServer = tls
    ? createSecureServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) })
    : createServer();
  const origin: H2Origin = {
    name,
    port: 0,
    address: '',
    sessions: 0,
    streams: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of open) session.destroy();
      }),
  };
  const open = new Set<import('node:http2').ServerHttp2Session>();
  server.on('session', (session) => {
    origin.sessions++;
    open.add(session);
    session.on('close', () => open.delete(session));
    session.on('error', () => undefined);
  });
  server.on('stream', (stream, headers) => {
    origin.streams++;
    stream.on('error', () => undefined);
    handler(stream, headers, origin);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin.port = (server.address() as AddressInfo).port;
  origin.address = `127.0.0.1:${origin.port}`;
  return origin;
}
