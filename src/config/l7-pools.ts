// A pool's L7-only config-file keys: hostRewrite (Host sent upstream) and sticky (session cookie).

import type { StickyConfig } from './l7-types.js';
import type { ConfigProblems } from './problems.js';
import { checkKeys, type Document, isMapping } from './shape.js';

export const L7_POOL_KEYS = ['hostRewrite', 'sticky'] as const;
const STICKY_KEYS = ['cookie'] as const;
/** RFC 6265 cookie-name: an HTTP token. */
export const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
const HOST_VALUE = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?)(:\d{1,5})?$/;

export function parseL7PoolOptions(node: Document, at: string, problems: ConfigProblems): { hostRewrite?: string; sticky?: StickyConfig } {
  const options: { hostRewrite?: string; sticky?: StickyConfig } = {};
  if (node.hostRewrite !== undefined) {
    if (typeof node.hostRewrite === 'string' && HOST_VALUE.test(node.hostRewrite)) options.hostRewrite = node.hostRewrite;
    else
      problems.add(
        `${at}.hostRewrite`,
        node.hostRewrite,
        'expected a host name with an optional port, e.g. api.internal or api.internal:8080',
      );
  }
  if (node.sticky !== undefined) {
    const sticky = node.sticky;
    if (!isMapping(sticky)) {
      problems.add(`${at}.sticky`, sticky, 'expected {cookie: NAME}');
    } else if (checkKeys(sticky, STICKY_KEYS, `${at}.sticky`, problems)) {
      if (typeof sticky.cookie === 'string' && COOKIE_NAME.test(sticky.cookie)) options.sticky = { cookie: sticky.cookie };
      else problems.add(`${at}.sticky.cookie`, sticky.cookie, "expected a cookie name (letters, digits and !#$%&'*+.^_`|~-)");
    }
  }
  return options;
}
