// Extracts the consistent-hash key of a request (ip, path, header, cookie or query parameter).
import type { HashKey } from '../config/types.js';
import { cookieValue } from './cookies.js';

export interface KeySource {
  clientAddress: string;
  path: string;
  query: string;
  header(name: string): string;
}

/** An empty result means "no key": the balancer then picks as round robin would. */
export function extractHashKey(key: HashKey, source: KeySource): string {
  switch (key.kind) {
    case 'ip':
      return source.clientAddress;
    case 'path':
      return source.path;
    case 'header':
      return source.header(key.name);
    case 'cookie':
      return cookieValue(source.header('cookie'), key.name);
    case 'query':
      return new URLSearchParams(source.query).get(key.name) ?? '';
  }
}
