// Header-name handling for the response parser, by character code rather than regex, trim and
// toLowerCase: this runs for every header of every proxied response.

/** RFC 9110 §5.6.2 tchar, by character code. */
const TOKEN_CHARS = new Uint8Array(128);
for (const char of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN_CHARS[char.charCodeAt(0)] = 1;

/**
 * Names backends send most, lower-case. A match hands back this very string: it is already hashed, so the
 * Set lookups that decide what to forward cost no hashing, and no lower-cased copy is made per response.
 */
const COMMON_NAMES = [
  'accept-ranges',
  'age',
  'cache-control',
  'connection',
  'content-encoding',
  'content-language',
  'content-length',
  'content-type',
  'date',
  'etag',
  'expires',
  'keep-alive',
  'last-modified',
  'location',
  'server',
  'set-cookie',
  'transfer-encoding',
  'vary',
  'x-powered-by',
];
const COMMON_BY_LENGTH: string[][] = [];
for (const name of COMMON_NAMES) (COMMON_BY_LENGTH[name.length] ??= []).push(name);

/**
 * The lower-case name of `text[start, end)`, or null when it is not a valid token. Common names come back as
 * shared constants.
 */
export function headerName(text: string, start: number, end: number): string | null {
  let upperCase = false;
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code >= 128 || TOKEN_CHARS[code] === 0) return null;
    if (code >= 65 && code <= 90) upperCase = true;
  }
  const candidates = COMMON_BY_LENGTH[end - start];
  if (candidates !== undefined) {
    for (const candidate of candidates) {
      if (equalsIgnoringCase(text, start, candidate)) return candidate;
    }
  }
  const name = text.slice(start, end);
  return upperCase ? name.toLowerCase() : name;
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
