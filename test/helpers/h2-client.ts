// A well-behaved HTTP/2 client (node:http2, h2c by prior knowledge) for tests: one request per call, on a
// session of its own unless one is passed in.
import { type ClientHttp2Session, connect, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';

export interface H2Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Windows large enough that big bodies are not throttled by the client's side (nodejs/node#50972). */
const CLIENT_WINDOW_BYTES = 16 * 1024 * 1024;

export function openH2Session(port: number): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: CLIENT_WINDOW_BYTES } });
    session.once('error', reject);
    session.once('connect', () => {
      session.setLocalWindowSize(CLIENT_WINDOW_BYTES);
      resolve(session);
    });
  });
}

/** Sends one request and collects the whole answer; rejects on a stream or session error. */
export function h2Request(
  session: ClientHttp2Session,
  headers: OutgoingHttpHeaders,
  body?: Buffer | string,
  timeoutMs = 10_000,
): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    const timer = setTimeout(() => {
      stream.close();
      reject(new Error(`no complete answer to ${String(headers[':path'])} within ${timeoutMs} ms`));
    }, timeoutMs);
    let reply: H2Reply = { status: 0, headers: {}, body: Buffer.alloc(0) };
    const chunks: Buffer[] = [];
    stream.on('response', (responseHeaders) => {
      reply = { status: Number(responseHeaders[':status']), headers: responseHeaders, body: reply.body };
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      clearTimeout(timer);
      resolve({ ...reply, body: Buffer.concat(chunks) });
    });
    stream.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    if (body !== undefined) stream.end(body);
  });
}

/** One GET on a fresh session, closed afterwards: "another client is still served". */
export async function h2Get(port: number, path: string): Promise<H2Reply> {
  const session = await openH2Session(port);
  try {
    return await h2Request(session, { ':path': path });
  } finally {
    session.close();
  }
}
