// A route's access rules (config/access-rules.ts) as one worker applies them: the first rule whose every
// condition holds decides; none matching allows. Runs on an L7 worker thread, per request of a route with rules.
import type { AccessRule } from '../config/access-rules.js';
import { CidrSet } from './cidr-set.js';
import { fieldsHold } from './router.js';

/** What of a request the rules look at. */
export interface CheckedRequest {
  /** The address the rules judge: the client's, or the one a trusted proxy forwarded for. */
  clientAddress: string;
  method: string;
  path: string;
  query: string;
  header(name: string): string;
}

/** The first value of a query parameter, its name compared in lower case; null when absent. */
function queryParameter(query: string, name: string): string | null {
  for (const [key, value] of new URLSearchParams(query)) if (key.toLowerCase() === name) return value;
  return null;
}

export class AccessCheck {
  private readonly rules: AccessRule[];
  /** By rule, built once: address sets keep a small cache of verdicts. */
  private readonly addressSets: (CidrSet | null)[];

  constructor(rules: AccessRule[]) {
    this.rules = rules;
    this.addressSets = rules.map((rule) => (rule.cidrs ? new CidrSet(rule.cidrs) : null));
  }

  /** The rule that decides the request (its action says how), or null when none matches: it passes. */
  verdict(request: CheckedRequest): AccessRule | null {
    for (let index = 0; index < this.rules.length; index++) {
      const rule = this.rules[index] as AccessRule;
      if (this.matches(rule, this.addressSets[index] ?? null, request)) return rule;
    }
    return null;
  }

  private matches(rule: AccessRule, addresses: CidrSet | null, request: CheckedRequest): boolean {
    if (addresses && !addresses.has(request.clientAddress)) return false;
    if (rule.methods && !rule.methods.includes(request.method)) return false;
    if (rule.pathPrefix && !request.path.startsWith(rule.pathPrefix)) return false;
    if (rule.pathRegex && !rule.pathRegex.test(request.path)) return false;
    if (rule.headers && !fieldsHold(rule.headers, (name) => request.header(name) || null)) return false;
    if (rule.query && !fieldsHold(rule.query, (name) => queryParameter(request.query, name))) return false;
    return true;
  }
}
