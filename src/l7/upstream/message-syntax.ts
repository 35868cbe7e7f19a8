// The byte-level grammar of an HTTP/1.1 response for the parser's state machine: line endings, the status
// line, decimal lengths and chunk-size lines, each read straight from the bytes (no regex, no string first).
import { ParseError } from './parse-error.js';

export const CR = 13;
export const LF = 10;
const NUL = 0;
const HTAB = 9;
const SPACE = 32;
const SEMICOLON = 59;
/** "HTTP/1.x NNN" is 12 characters; a reason phrase follows after one space. */
const STATUS_CODE_END = 12;
/** Longer would pass Number.MAX_SAFE_INTEGER. */
const MAX_CONTENT_LENGTH_DIGITS = 15;
/** 12 hex digits reach 256 TiB, more than any chunk, and stay well inside a safe integer. */
const MAX_CHUNK_SIZE_DIGITS = 12;
const MAX_CHUNK_LINE = 1024;

/**
 * Where the line after the line break at `bytes[index]` (a CR or an LF) starts, or -1 when the byte after
 * a CR has not arrived yet. The start line and the header and trailer fields may end in a bare LF: RFC 9112
 * §2.2 lets a recipient accept one, and HAProxy and NGINX do, so such an origin is answered rather than
 * waited on. A CR not followed by LF stays an error: parsers disagree on it, which is what smuggling needs.
 */
export function afterLineBreak(bytes: Buffer, index: number, limit: number): number {
  if (bytes[index] === LF) return index + 1;
  if (index + 1 >= limit) return -1;
  if (bytes[index + 1] !== LF) throw new ParseError('CR without LF in the response head or trailers');
  return index + 2;
}

/** Where the field line (a trailer) at `bytes[start]` ends, just past its CRLF or bare LF; -1 if it has not. */
export function afterFieldLine(bytes: Buffer, start: number): number {
  for (let index = start; index < bytes.length; index++) {
    const byte = bytes[index];
    if (byte === LF || byte === CR) {
      return afterLineBreak(bytes, index, bytes.length);
    }
  }
  return -1;
}

export interface ChunkSizeLine {
  size: number;
  /** The offset just past the line's CRLF. */
  next: number;
}

/**
 * The chunk-size line `1*HEXDIG [BWS] [; chunk-ext] CRLF` at `bytes[start]`, or null when it has not ended
 * yet. Chunk lines are framing, not fields: RFC 9112 §7.1 asks for CRLF and §2.2 allows nothing else there,
 * so a bare LF or CR is refused at once rather than waited on, as are control bytes in an extension (a
 * bare LF hidden in one is how "5;x\nfoo" tells two parsers two different lengths).
 */
export function chunkSizeLine(bytes: Buffer, start: number): ChunkSizeLine | null {
  let index = start;
  let size = 0;
  while (index < bytes.length && index - start <= MAX_CHUNK_SIZE_DIGITS) {
    const digit = hexValue(bytes[index] as number);
    if (digit === -1) break;
    size = size * 16 + digit;
    index++;
  }
  const digits = index - start;
  if (index === bytes.length && digits <= MAX_CHUNK_SIZE_DIGITS) return null;
  if (digits === 0 || digits > MAX_CHUNK_SIZE_DIGITS) throw new ParseError(`bad chunk size "${chunkLineText(bytes, start)}"`);
  while (index < bytes.length && isOptionalWhitespace(bytes[index] as number)) index++;
  if (index < bytes.length && bytes[index] === SEMICOLON) {
    while (index < bytes.length && isExtensionByte(bytes[index] as number)) index++;
  }
  if (index - start > MAX_CHUNK_LINE) throw new ParseError('chunk size line too long');
  if (index + 1 >= bytes.length) return null;
  if (bytes[index] !== CR || bytes[index + 1] !== LF) {
    throw new ParseError(`bad chunk size line "${chunkLineText(bytes, start)}": it must end in CRLF`);
  }
  return { size, next: index + 2 };
}

function chunkLineText(bytes: Buffer, start: number): string {
  return JSON.stringify(bytes.toString('latin1', start, Math.min(bytes.length, start + 40)));
}

function hexValue(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  const lower = byte | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** HTAB, visible ASCII and obs-text: what a chunk extension (token, "=", quoted-string) is made of. */
function isExtensionByte(byte: number): boolean {
  return byte === HTAB || (byte >= SPACE && byte !== 127);
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** RFC 9110 OWS: space or horizontal tab. */
export function isOptionalWhitespace(code: number): boolean {
  return code === SPACE || code === HTAB;
}

/** The value of 1 to 15 decimal digits at `bytes[start, end)`, or -1. */
export function decimalOf(bytes: Buffer, start: number, end: number): number {
  if (end <= start || end - start > MAX_CONTENT_LENGTH_DIGITS) return -1;
  let value = 0;
  for (let index = start; index < end; index++) {
    const byte = bytes[index] as number;
    if (!isDigit(byte)) return -1;
    value = value * 10 + (byte - 48);
  }
  return value;
}

/**
 * The status code of the line `HTTP/1.(0|1) [1-9]DD[ reason]` in `bytes[start, lineEnd)`, checked by hand
 * rather than with a regex; the reason may not hold a NUL (the line ends at the first CR or LF).
 */
export function statusOf(bytes: Buffer, start: number, lineEnd: number): number {
  const minor = bytes[start + 7];
  const hundreds = bytes[start + 9] as number;
  const valid =
    lineEnd - start >= STATUS_CODE_END &&
    equalsBytes(bytes, start, 'HTTP/1.') &&
    (minor === 48 || minor === 49) &&
    bytes[start + 8] === SPACE &&
    hundreds >= 49 &&
    hundreds <= 57 &&
    isDigit(bytes[start + 10] as number) &&
    isDigit(bytes[start + 11] as number) &&
    (lineEnd - start === STATUS_CODE_END || bytes[start + STATUS_CODE_END] === SPACE) &&
    !hasNul(bytes, start + STATUS_CODE_END, lineEnd);
  if (!valid) throw new ParseError('malformed status line');
  return (hundreds - 48) * 100 + ((bytes[start + 10] as number) - 48) * 10 + ((bytes[start + 11] as number) - 48);
}

function hasNul(bytes: Buffer, start: number, end: number): boolean {
  for (let index = start; index < end; index++) {
    if (bytes[index] === NUL) return true;
  }
  return false;
}

function equalsBytes(bytes: Buffer, start: number, ascii: string): boolean {
  for (let index = 0; index < ascii.length; index++) {
    if (bytes[start + index] !== ascii.charCodeAt(index)) return false;
  }
  return true;
}
