// Incremental, strict HTTP/1.1 response parser for the upstream client: head, then a
// content-length, chunked, close-delimited or empty body. Any violation is a ParseError (→ 502).
import {
  CONNECTION,
  CONTENT_LENGTH,
  connectionOptions,
  END_TO_END,
  equalsIgnoringCase,
  headerKind,
  isTokenByte,
  TRANSFER_ENCODING,
} from './header-names.js';
import { afterFieldLine, afterLineBreak, CR, chunkSizeLine, decimalOf, isOptionalWhitespace, LF, statusOf } from './message-syntax.js';
import { ParseError } from './parse-error.js';

export { ParseError };

export interface ResponseHead {
  status: number;
  /** The status line after the version, as the backend sent it: "200 OK", or "200" without a reason. */
  statusLine: string;
  /**
   * Flat [name, value, ...] of the headers a proxy passes on, names as sent: all but the hop-by-hop ones
   * (RFC 9110 §7.6.1, and those the Connection header lists) and the framing (Content-Length, Transfer-Encoding).
   */
  endToEnd: string[];
  /** The Content-Length header's value, also when the response has no body (HEAD, 304); -1 without one. */
  declaredLength: number;
  /** Both sides allow the connection to carry another request after this response. */
  keepAlive: boolean;
  /** Content-Length when the body is length-delimited, else -1. */
  contentLength: number;
  chunked: boolean;
}

export interface ResponseHandlers {
  onHead(head: ResponseHead): void;
  /** `chunk` is only valid during the call: the connection reads into one reused buffer. */
  onBody(chunk: Buffer): void;
  /** A chunked body ended with trailer fields: flat [name, value, ...], names as sent. Before onComplete. */
  onTrailers?(trailers: string[]): void;
  /** The message is complete; `reusable` is true when the connection may be pooled again. */
  onComplete(reusable: boolean): void;
}

const MAX_HEAD_BYTES = 64 * 1024;
const STATUS_LINE_STATUS = 9;
const KEEP_ALIVE = Buffer.from('keep-alive');
const CLOSE = Buffer.from('close');
const COLON = 58;

// biome-ignore lint/suspicious/noConstEnum: tsc inlines the states as numbers in the per-byte loop; nothing outside this file sees the enum.
const enum State {
  Head,
  LengthBody,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  CloseDelimitedBody,
  Done,
}

export class ResponseParser {
  private state = State.Head;
  private pending: Buffer | null = null;
  private remaining = 0;
  private keepAlive = false;
  private requestWasHead = false;
  private handlers: ResponseHandlers | null = null;
  /** Reused by parseHead: [nameStart, nameEnd, valueStart, valueEnd] of each end-to-end header of one head. */
  private spans: Int32Array = new Int32Array(64);
  /** Trailer fields of the current chunked body; null until one arrives (most bodies have none). */
  private trailers: string[] | null = null;

  /** Prepares for the response to the next request sent on this connection. */
  expect(handlers: ResponseHandlers, requestWasHead: boolean): void {
    this.handlers = handlers;
    this.requestWasHead = requestWasHead;
    this.state = State.Head;
    this.pending = null;
    this.trailers = null;
  }

  /** True when the body runs until the connection closes: EOF then completes the response. */
  get closeDelimited(): boolean {
    return this.state === State.CloseDelimitedBody;
  }

  /** Called at EOF: completes a close-delimited body, otherwise the response was truncated. */
  finishAtEof(): void {
    if (this.state !== State.CloseDelimitedBody) throw new ParseError('upstream closed the connection mid-response');
    this.complete(false);
  }

  private growSpans(): Int32Array {
    const grown = new Int32Array(this.spans.length * 2);
    grown.set(this.spans);
    this.spans = grown;
    return grown;
  }

  /** The unparsed tail of a read, copied: the read buffer is reused once execute() returns. */
  private keepRest(data: Buffer, offset: number): void {
    this.pending = Buffer.from(data.subarray(offset));
  }

  /** Parses one read; `input` may be overwritten as soon as this returns. */
  execute(input: Buffer): void {
    if (!this.handlers) throw new ParseError('upstream sent bytes when no response was expected');
    const data = this.pending ? Buffer.concat([this.pending, input]) : input;
    this.pending = null;
    let offset = 0;
    while (offset < data.length && this.handlers) {
      switch (this.state) {
        case State.Head: {
          const headEnd = this.parseHead(data, offset);
          if (headEnd === -1) {
            this.keepRest(data, offset);
            return;
          }
          offset = headEnd;
          break;
        }
        case State.LengthBody: {
          const take = Math.min(this.remaining, data.length - offset);
          this.remaining -= take;
          this.handlers.onBody(data.subarray(offset, offset + take));
          offset += take;
          if (this.remaining === 0) this.complete(this.keepAlive);
          break;
        }
        case State.ChunkSize: {
          const line = chunkSizeLine(data, offset);
          if (line === null) {
            this.keepRest(data, offset);
            return;
          }
          offset = line.next;
          this.remaining = line.size;
          this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.remaining, data.length - offset);
          this.remaining -= take;
          this.handlers.onBody(data.subarray(offset, offset + take));
          offset += take;
          if (this.remaining === 0) this.state = State.ChunkDataEnd;
          break;
        }
        case State.ChunkDataEnd: {
          if (data.length - offset < 2) {
            this.keepRest(data, offset);
            return;
          }
          if (data[offset] !== CR || data[offset + 1] !== LF) throw new ParseError('chunk data not followed by CRLF');
          offset += 2;
          this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          const lineEnd = afterFieldLine(data, offset);
          if (lineEnd === -1) {
            if (data.length - offset > MAX_HEAD_BYTES) throw new ParseError('trailers exceed 64 KiB');
            this.keepRest(data, offset);
            return;
          }
          // The blank line that ends the trailers is CRLF or a bare LF (field lines may end in one).
          const empty = data[offset] === CR || data[offset] === LF;
          if (!empty) (this.trailers ??= []).push(...trailerField(data, offset, lineEnd));
          offset = lineEnd;
          if (empty) {
            if (this.trailers !== null) this.handlers?.onTrailers?.(this.trailers);
            this.complete(this.keepAlive);
          }
          break;
        }
        case State.CloseDelimitedBody:
          this.handlers.onBody(offset === 0 ? data : data.subarray(offset));
          offset = data.length;
          break;
        case State.Done:
          throw new ParseError('upstream sent bytes after the response ended');
      }
    }
    if (offset < data.length) {
      // Bytes after a complete response: a pipelined or stray reply we never asked for.
      throw new ParseError('upstream sent bytes after the response ended');
    }
  }

  /**
   * Parses the head that starts at `bytes[start]` in one pass over the bytes (a typed array reads faster
   * than a string's characters, and no search for the blank line runs first), then makes only the strings the
   * response needs, as slices of one latin1 copy of the head. Returns the offset just past the head, or -1
   * when `bytes` ends first (nothing is consumed then: the head is parsed again once the rest arrives).
   * Runs once per proxied response.
   */
  private parseHead(bytes: Buffer, start: number): number {
    // A head that reaches past MAX_HEAD_BYTES is refused; one that merely is not complete yet waits.
    const limit = Math.min(bytes.length, start + MAX_HEAD_BYTES);
    let index = start;
    while (index < limit && bytes[index] !== CR && bytes[index] !== LF) index++;
    if (index >= limit) return incompleteHead(limit, bytes.length);
    const statusLineEnd = index;
    const status = statusOf(bytes, start, statusLineEnd);
    const minorVersion = (bytes[start + 7] as number) - 48;
    let spans = this.spans;
    let spanCount = 0;
    let contentLength = -1;
    let chunked = false;
    let transferEncoding = false;
    let connectionClose = minorVersion === 0;
    /** Lower-case names the Connection header lists besides close and keep-alive: hop-by-hop too. */
    let listed: string[] | null = null;
    let headEnd: number;
    // Each turn starts on the CR or LF that ends the previous line (CRLF, or a bare LF: see afterLineBreak).
    for (;;) {
      const lineStart = afterLineBreak(bytes, index, limit);
      if (lineStart === -1 || lineStart >= limit) return incompleteHead(limit, bytes.length);
      if (bytes[lineStart] === CR || bytes[lineStart] === LF) {
        headEnd = afterLineBreak(bytes, lineStart, limit);
        if (headEnd === -1) return incompleteHead(limit, bytes.length);
        break;
      }
      index = lineStart;
      while (index < limit && bytes[index] !== COLON) {
        if (!isTokenByte(bytes[index] as number))
          throw new ParseError(`invalid header name "${bytes.toString('latin1', lineStart, index + 1)}"`);
        index++;
      }
      if (index >= limit) return incompleteHead(limit, bytes.length);
      if (index === lineStart) throw new ParseError('malformed header line');
      const nameEnd = index;
      index++;
      while (index < limit && isOptionalWhitespace(bytes[index] as number)) index++;
      const valueStart = index;
      let valueEnd = index;
      while (index < limit) {
        const byte = bytes[index] as number;
        if (byte === CR || byte === LF) break;
        if (byte === 0) throw new ParseError('invalid character in header value');
        index++;
        if (!isOptionalWhitespace(byte)) valueEnd = index;
      }
      if (index >= limit) return incompleteHead(limit, bytes.length);
      const kind = headerKind(bytes, lineStart, nameEnd);
      if (kind === END_TO_END) {
        if (spanCount + 4 > spans.length) spans = this.growSpans();
        spans[spanCount++] = lineStart;
        spans[spanCount++] = nameEnd;
        spans[spanCount++] = valueStart;
        spans[spanCount++] = valueEnd;
      } else if (kind === CONTENT_LENGTH) {
        const length = decimalOf(bytes, valueStart, valueEnd);
        if (length < 0) throw new ParseError(`invalid content-length "${bytes.toString('latin1', valueStart, valueEnd)}"`);
        if (contentLength !== -1 && contentLength !== length) throw new ParseError('conflicting content-length headers');
        contentLength = length;
      } else if (kind === TRANSFER_ENCODING) {
        transferEncoding = true;
        const codings = bytes
          .toString('latin1', valueStart, valueEnd)
          .toLowerCase()
          .split(',')
          .map((coding) => coding.trim());
        chunked = codings[codings.length - 1] === 'chunked';
      } else if (kind === CONNECTION) {
        // The two values backends send, checked without splitting; anything else is a token list.
        const length = valueEnd - valueStart;
        if (length === KEEP_ALIVE.length && equalsIgnoringCase(bytes, valueStart, KEEP_ALIVE)) {
          if (minorVersion === 0) connectionClose = false;
        } else if (length === CLOSE.length && equalsIgnoringCase(bytes, valueStart, CLOSE)) {
          connectionClose = true;
        } else {
          const options = connectionOptions(bytes.toString('latin1', valueStart, valueEnd));
          if (options.close) connectionClose = true;
          else if (options.keepAlive && minorVersion === 0) connectionClose = false;
          if (options.listed.length > 0) (listed ??= []).push(...options.listed);
        }
      }
    }
    if (status < 200) {
      // 1xx interim responses (100 Continue, 103 Early Hints) precede the real one; 101 is an upgrade,
      // which the WebSocket path handles, never this parser.
      if (status === 101) throw new ParseError('unexpected 101 Switching Protocols');
      return headEnd;
    }
    // A message with both framings is a smuggling risk (RFC 9112 §6.1): honour TE, never reuse the connection.
    if (transferEncoding && contentLength !== -1) connectionClose = true;
    this.keepAlive = !connectionClose;
    const bodyless = this.requestWasHead || status === 204 || status === 304;
    const text = bytes.toString('latin1', start, headEnd);
    const endToEnd: string[] = [];
    for (let span = 0; span < spanCount; span += 4) {
      endToEnd.push(
        text.slice((spans[span] as number) - start, (spans[span + 1] as number) - start),
        text.slice((spans[span + 2] as number) - start, (spans[span + 3] as number) - start),
      );
    }
    this.handlers?.onHead({
      status,
      statusLine: text.slice(STATUS_LINE_STATUS, statusLineEnd - start),
      endToEnd: listed === null ? endToEnd : withoutListed(endToEnd, listed),
      declaredLength: contentLength,
      keepAlive: this.keepAlive,
      contentLength: bodyless || transferEncoding ? -1 : contentLength,
      chunked: !bodyless && chunked,
    });
    if (bodyless) {
      this.complete(this.keepAlive);
    } else if (chunked) {
      this.state = State.ChunkSize;
    } else if (transferEncoding || contentLength === -1) {
      this.keepAlive = false;
      this.state = State.CloseDelimitedBody;
    } else if (contentLength === 0) {
      this.complete(this.keepAlive);
    } else {
      this.remaining = contentLength;
      this.state = State.LengthBody;
    }
    return headEnd;
  }

  private complete(reusable: boolean): void {
    const handlers = this.handlers;
    this.handlers = null;
    this.state = State.Done;
    handlers?.onComplete(reusable);
  }
}

/** One trailer field line (its line break included up to `lineEnd`) as [name, value]. */
function trailerField(data: Buffer, start: number, lineEnd: number): [string, string] {
  const line = data.toString('latin1', start, lineEnd);
  const colon = line.indexOf(':');
  const name = line.slice(0, colon);
  if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new ParseError(`malformed trailer line "${line.trim()}"`);
  return [name, line.slice(colon + 1).trim()];
}

/** parseHead ran out of bytes: refused past MAX_HEAD_BYTES, else -1 (wait for more). */
function incompleteHead(limit: number, available: number): number {
  if (limit < available) throw new ParseError('response head exceeds 64 KiB');
  return -1;
}

/** The headers minus those named in `listed` (lower-case), compared in any case. */
function withoutListed(headers: string[], listed: string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < headers.length; index += 2) {
    const name = headers[index] as string;
    if (!listed.includes(name.toLowerCase())) kept.push(name, headers[index + 1] as string);
  }
  return kept;
}
