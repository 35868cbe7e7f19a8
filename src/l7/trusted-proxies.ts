// FULCRUM_TRUSTED_PROXIES on a worker thread: whether a peer may speak for its clients (its forwarding
// headers are kept), and the client address it forwarded for, which access rules judge.
import { CidrSet } from './cidr-set.js';

export class TrustedProxies extends CidrSet {
  trusts(address: string): boolean {
    return this.has(address);
  }

  /**
   * The address access rules judge: the peer's own, or, when the peer is a trusted proxy, the last
   * X-Forwarded-For hop that is not (the proxies' own hops are skipped, as NGINX's real_ip_recursive does).
   */
  effectiveClient(peer: string, forwardedFor: string): string {
    if (forwardedFor === '' || !this.has(peer)) return peer;
    const hops = forwardedFor.split(',');
    for (let index = hops.length - 1; index >= 0; index--) {
      const hop = (hops[index] as string).trim();
      if (hop !== '' && !this.has(hop)) return hop;
    }
    return peer;
  }
}
