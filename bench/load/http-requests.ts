// Turns a scenario's request shape into concrete requests: method, path, headers and body.
import { HASH_HEADER } from '../origins/payloads.js';
import type { HttpRequestShape } from '../scenarios.js';

export interface ConcreteRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

export function hashKeyValue(index: number): string {
  return `user-${index}`;
}

/** The requests a client cycles through: one, or one per distinct hash key. */
export function concreteRequests(shape: HttpRequestShape): ConcreteRequest[] {
  const common: Record<string, string> = shape.newConnectionPerRequest ? { connection: 'close' } : {};
  if (shape.bodyBytes > 0) common['content-type'] = 'application/octet-stream';
  const body = shape.bodyBytes > 0 ? 'x'.repeat(shape.bodyBytes) : undefined;
  const keyCount = Math.max(1, shape.distinctHashKeys);
  return Array.from({ length: keyCount }, (_, index) => ({
    method: shape.method,
    path: shape.path,
    headers: shape.distinctHashKeys > 0 ? { ...common, [HASH_HEADER]: hashKeyValue(index) } : common,
    body,
  }));
}
