// Answers a request node:http's parser (llhttp) refused before Fulcrum saw it, in the form of Fulcrum's own
// replies: a framing error gets 400 bad-framing, as the uWS front's framing check answers the same
// requests (request-framing.ts); a head past node's size limit 431 headers-too-large. Anything else gets
// node's own answer. The connection is closed after it. Runs on an L7 worker thread.
import type { Socket } from 'node:net';
import { rawReply } from './raw-reply.js';

/** llhttp's codes for a body length two parties could read differently (RFC 9112 §6.3). */
const FRAMING_ERRORS = new Set(['HPE_UNEXPECTED_CONTENT_LENGTH', 'HPE_INVALID_CONTENT_LENGTH', 'HPE_INVALID_TRANSFER_ENCODING']);

interface ClientError extends Error {
  code?: string;
  reason?: string;
}

export function answerClientError(error: ClientError, socket: Socket): void {
  // A response already under way on this connection cannot be followed by another status line.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent: boolean } | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) socket.write(replyFor(error), 'latin1');
  socket.destroy();
}

function replyFor(error: ClientError): string {
  const code = error.code ?? '';
  if (FRAMING_ERRORS.has(code)) return rawReply(400, 'bad-framing', `The request's framing is invalid: ${error.reason}.`);
  if (code === 'HPE_HEADER_OVERFLOW') return rawReply(431, 'headers-too-large', 'The request head is too large.');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return 'HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n';
  return 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';
}
