// Which trailer fields Fulcrum passes on, either way: none that frames, routes, authenticates or
// describes the content, as a recipient must not act on them once the head went (RFC 9110 §6.5.1).
const NOT_IN_TRAILERS = new Set([
  'authorization',
  'cache-control',
  'connection',
  'content-encoding',
  'content-length',
  'content-range',
  'content-type',
  'host',
  'keep-alive',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** `name` in lower case. */
export function mayTrail(name: string): boolean {
  return !NOT_IN_TRAILERS.has(name);
}

/** Flat [name, value, ...] trailer fields as node takes them: lower-case names, repeats joined, the barred ones left out. */
export function trailerRecord(trailers: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let index = 0; index < trailers.length; index += 2) {
    const name = (trailers[index] as string).toLowerCase();
    if (!mayTrail(name)) continue;
    const value = trailers[index + 1] as string;
    fields[name] = fields[name] === undefined ? value : `${fields[name]}, ${value}`;
  }
  return fields;
}
