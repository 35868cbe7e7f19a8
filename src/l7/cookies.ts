// Reads one cookie's value out of a Cookie header without building a map (hot path: sticky, splits, hash keys).

/** The value of cookie `name` in a `Cookie:` header, or '' when absent. */
export function cookieValue(cookieHeader: string, name: string): string {
  if (cookieHeader === '') return '';
  let start = 0;
  while (start < cookieHeader.length) {
    let end = cookieHeader.indexOf(';', start);
    if (end === -1) end = cookieHeader.length;
    const equals = cookieHeader.indexOf('=', start);
    if (equals !== -1 && equals < end && cookieHeader.slice(start, equals).trim() === name) {
      return cookieHeader.slice(equals + 1, end).trim();
    }
    start = end + 1;
  }
  return '';
}
