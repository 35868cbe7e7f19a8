// Sticky sessions of one pool on one worker thread: the cookie names a backend by its opaque id
// (a hash of its address, from the balancer snapshot), never by its address.
import type { BalancerPool } from '../balance/index.js';
import { cookieValue } from './cookies.js';

/** A reload may add backends: an unknown id or index refreshes the maps, at most this often. */
const REFRESH_INTERVAL_MS = 1_000;

export class StickyBackends {
  readonly cookieName: string;
  private readonly balancer: BalancerPool;
  private readonly indexById = new Map<string, number>();
  /** Ready-made Set-Cookie values by backend index. */
  private readonly setCookieByIndex: string[] = [];
  private refreshedAt = -Infinity;

  constructor(balancer: BalancerPool, cookieName: string) {
    this.balancer = balancer;
    this.cookieName = cookieName;
    this.refresh();
  }

  /** The backend index the request's cookie names, or -1 without a (known) cookie. */
  pinnedIndex(cookieHeader: string): number {
    const id = cookieValue(cookieHeader, this.cookieName);
    if (id === '') return -1;
    const index = this.indexById.get(id);
    if (index !== undefined) return index;
    this.refreshIfDue();
    return this.indexById.get(id) ?? -1;
  }

  /** The Set-Cookie header value that pins the client to backend `index`. */
  setCookie(index: number): string {
    const value = this.setCookieByIndex[index];
    if (value !== undefined) return value;
    this.refresh();
    return this.setCookieByIndex[index] ?? '';
  }

  private refreshIfDue(): void {
    if (performance.now() - this.refreshedAt >= REFRESH_INTERVAL_MS) this.refresh();
  }

  private refresh(): void {
    this.refreshedAt = performance.now();
    for (const backend of this.balancer.snapshot().backends) {
      this.indexById.set(backend.id, backend.index);
      this.setCookieByIndex[backend.index] = `${this.cookieName}=${backend.id}; Path=/; HttpOnly; SameSite=Lax`;
    }
  }
}
