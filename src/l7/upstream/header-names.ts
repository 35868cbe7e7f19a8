// Header names and values for the response parser, by character code rather than regex: this runs for every
// header of every proxied response.

/** RFC 9110 §7.6.1 hop-by-hop headers, plus those that only describe the sender's own connection. */
export const HOP_BY_HOP_NAMES = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** What a response header means to the parser, and whether a proxy passes it on (END_TO_END only). */
export const END_TO_END = 0;
export const CONTENT_LENGTH = 1;
export const TRANSFER_ENCODING = 2;
export const CONNECTION = 3;
export const OTHER_HOP_BY_HOP = 4;
export type HeaderKind = typeof END_TO_END | typeof CONTENT_LENGTH | typeof TRANSFER_ENCODING | typeof CONNECTION | typeof OTHER_HOP_BY_HOP;

const KIND_OF: Record<string, HeaderKind> = { 'content-length': CONTENT_LENGTH, 'transfer-encoding': TRANSFER_ENCODING, connection: CONNECTION };
/** The names that are not END_TO_END, by length: most names are told apart by their length alone. */
const SPECIAL_BY_LENGTH: Array<Array<{ name: string; kind: HeaderKind }>> = [];
for (const name of [...HOP_BY_HOP_NAMES, 'content-length']) (SPECIAL_BY_LENGTH[name.length] ??= []).push({ name, kind: KIND_OF[name] ?? OTHER_HOP_BY_HOP });

/** RFC 9110 §5.6.2 tchar, by character code. */
const TOKEN_CHARS = new Uint8Array(128);
for (const char of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN_CHARS[char.charCodeAt(0)] = 1;

/** Whether `text[start, end)` is a non-empty token, as a header name must be. */
export function isToken(text: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code >= 128 || TOKEN_CHARS[code] === 0) return false;
  }
  return true;
}

/** The kind of the header named by the token `text[start, end)`, in any case. */
export function headerKind(text: string, start: number, end: number): HeaderKind {
  const candidates = SPECIAL_BY_LENGTH[end - start];
  if (candidates === undefined) return END_TO_END;
  for (const candidate of candidates) {
    if (equalsIgnoringCase(text, start, candidate.name)) return candidate.kind;
  }
  return END_TO_END;
}

/**
 * Whether `text` from `start` spells `lowerCase` (letters and '-') in any case. Setting the 0x20 bit turns
 * only A-Z and a CR into one of those characters, and callers have already refused a CR there.
 */
export function equalsIgnoringCase(text: string, start: number, lowerCase: string): boolean {
  for (let index = 0; index < lowerCase.length; index++) {
    if ((text.charCodeAt(start + index) | 0x20) !== lowerCase.charCodeAt(index)) return false;
  }
  return true;
}
