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
