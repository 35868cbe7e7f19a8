// Fulcrum's own reply as raw HTTP/1.1 bytes, for a socket no HTTP server writes to any more: a request
// node's parser refused (node-client-error.ts), or an upgrade that left the parser (node-upgrade-tunnel.ts).
// Always the last thing on the connection.

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Content Too Large',
  414: 'URI Too Long',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** A reply tagged with X-Fulcrum-Error, a one-line plain-text body, and `Connection: close`. */
export function rawReply(status: number, code: string, message: string, headers?: Readonly<Record<string, string>>): string {
  const body = `${message}\n`;
  let extra = '';
  for (const name in headers) extra += `${name}: ${headers[name]}\r\n`;
  return (
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}\r\ncontent-type: text/plain; charset=utf-8\r\nx-fulcrum-error: ${code}\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n${extra}connection: close\r\n\r\n${body}`
  );
}
