// Header names and values for the response parser, by character code rather than regex: this runs for every
// header of every proxied response.

/** RFC 9110 §5.6.2 tchar, by character code. */
const TOKEN_CHARS = new Uint8Array(128);
for (const char of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN_CHARS[char.charCodeAt(0)] = 1;

/** The lower-case name of `text[start, end)`, or null when it is not a valid token. */
export function headerName(text: string, start: number, end: number): string | null {
  let upperCase = false;
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code >= 128 || TOKEN_CHARS[code] === 0) return null;
    if (code >= 65 && code <= 90) upperCase = true;
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
