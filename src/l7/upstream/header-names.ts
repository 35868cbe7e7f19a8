// Header names and the Connection header, for the response parser (read from the bytes rather than with
// regexes: this runs for every header of every proxied response) and the request head.

/** RFC 9110 §7.6.1 hop-by-hop headers, plus those that only describe the sender's own connection. */
export const HOP_BY_HOP_NAMES = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** What a response header means to the parser, and whether a proxy passes it on (END_TO_END only). */
export const END_TO_END = 0;
export const CONTENT_LENGTH = 1;
export const TRANSFER_ENCODING = 2;
export const CONNECTION = 3;
export const OTHER_HOP_BY_HOP = 4;
export type HeaderKind = typeof END_TO_END | typeof CONTENT_LENGTH | typeof TRANSFER_ENCODING | typeof CONNECTION | typeof OTHER_HOP_BY_HOP;

const KIND_OF: Record<string, HeaderKind> = {
  'content-length': CONTENT_LENGTH,
  'transfer-encoding': TRANSFER_ENCODING,
  connection: CONNECTION,
};
/** The names that are not END_TO_END, by length: most names are told apart by their length alone. */
const SPECIAL_BY_LENGTH: Array<Array<{ name: Uint8Array; kind: HeaderKind }>> = [];
for (const name of [...HOP_BY_HOP_NAMES, 'content-length']) {
  (SPECIAL_BY_LENGTH[name.length] ??= []).push({ name: Buffer.from(name, 'latin1'), kind: KIND_OF[name] ?? OTHER_HOP_BY_HOP });
}

/** What a Connection header value says: close, keep-alive, and the header names it declares hop-by-hop. */
export interface ConnectionOptions {
  close: boolean;
  keepAlive: boolean;
  /** Lower-case. */
  listed: string[];
}

/** Reads a Connection header value, a comma-separated token list in any case. */
export function connectionOptions(value: string): ConnectionOptions {
  const options: ConnectionOptions = { close: false, keepAlive: false, listed: [] };
  for (const token of value.toLowerCase().split(',')) {
    const option = token.trim();
    if (option === 'close') options.close = true;
    else if (option === 'keep-alive') options.keepAlive = true;
    else if (option !== '') options.listed.push(option);
  }
  return options;
}

/** RFC 9110 §5.6.2 tchar, by character code. */
const TOKEN_CHARS = new Uint8Array(128);
for (const char of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN_CHARS[char.charCodeAt(0)] = 1;

/** Whether `byte` may appear in a token, as in a header name. */
export function isTokenByte(byte: number): boolean {
  return byte < 128 && TOKEN_CHARS[byte] === 1;
}

/** The kind of the header named by the token `bytes[start, end)`, in any case. */
export function headerKind(bytes: Uint8Array, start: number, end: number): HeaderKind {
  const candidates = SPECIAL_BY_LENGTH[end - start];
  if (candidates === undefined) return END_TO_END;
  for (const candidate of candidates) {
    if (equalsIgnoringCase(bytes, start, candidate.name)) return candidate.kind;
  }
  return END_TO_END;
}

/**
 * Whether `bytes` from `start` spell `lowerCase` (bytes of letters and '-') in any case. Setting the 0x20 bit
 * turns only A-Z and a CR into one of those characters, and callers have already refused a CR there.
 */
export function equalsIgnoringCase(bytes: Uint8Array, start: number, lowerCase: Uint8Array): boolean {
  for (let index = 0; index < lowerCase.length; index++) {
    if (((bytes[start + index] as number) | 0x20) !== lowerCase[index]) return false;
  }
  return true;
}
