// Checks no single value shows: two listeners on one address, a backend listed twice in a pool, backup
// pools that lead back to themselves. --check-config runs them, so a start cannot fail on them later.
import { isIP } from 'node:net';
import { addressBytes, formatAddressBytes } from './cidr.js';
import type { ListenerConfig } from './listeners.js';
import { formatHostPort } from './parsers.js';
import type { ConfigProblems } from './problems.js';
import type { HostPort, PoolConfig, Settings } from './types.js';

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** A host as one spelling: lower case, IPv6 in RFC 5952 form (so [::1] and [0:0::1] compare equal). */
function canonicalHost(host: string): string {
  return isIP(host) === 6 ? formatAddressBytes(addressBytes(host)) : host.toLowerCase();
}

/** Whether binding both would collide: same port, and the same host or a wildcard on either side. */
export function overlaps(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port) return false;
  const [hostA, hostB] = [canonicalHost(a.host), canonicalHost(b.host)];
  return hostA === hostB || WILDCARDS.has(hostA) || WILDCARDS.has(hostB);
}

type ListenKey = 'listen' | 'adminListen' | 'httpsRedirectListen';

/** The addresses the settings listen on, by key and in words; null where a listener is off. */
function settingListeners(settings: Settings): [ListenKey, HostPort | null, string][] {
  return [
    ['listen', settings.listen, 'the proxy'],
    ['adminListen', settings.adminListen, 'the admin API'],
    ['httpsRedirectListen', settings.tlsCert ? settings.httpsRedirectListen : null, 'the HTTPS redirect'],
  ];
}

/** The proxy, the admin API and the HTTPS redirect each need an address of their own. */
export function checkListenAddresses(settings: Settings, where: (key: ListenKey) => string, problems: ConfigProblems): void {
  const listeners = settingListeners(settings);
  listeners.forEach(([key, address, what], index) => {
    if (address === null) return;
    for (const [earlierKey, earlier, earlierWhat] of listeners.slice(0, index)) {
      if (earlier === null || !overlaps(address, earlier)) continue;
      problems.add(
        where(key),
        formatHostPort(address),
        `${what} would listen on the address of ${earlierWhat} (${where(earlierKey)}=${formatHostPort(earlier)}); give it another port${key === 'listen' ? '' : ' or "off"'}`,
      );
    }
  });
}

/** http mode's extra listeners: TLS only with a certificate, and each on an address of its own (tcp and udp mode: l4-listeners.ts). */
export function checkExtraListeners(
  settings: Settings,
  listeners: readonly ListenerConfig[],
  where: (key: ListenKey) => string,
  sectionWhere: string,
  problems: ConfigProblems,
): void {
  const taken = settingListeners(settings).map(([key, address]): [string, HostPort | null] => [where(key), address]);
  listeners.forEach((listener, index) => {
    const at = `${sectionWhere}[${index}]`;
    if (listener.tls && settings.tlsCert === null) {
      problems.add(`${at}.tls`, true, 'a TLS listener needs a certificate; set FULCRUM_TLS_CERT and FULCRUM_TLS_KEY');
    }
    const clash = taken.find(([, address]) => address !== null && overlaps(listener.address, address));
    if (clash) {
      problems.add(
        `${at}.listen`,
        formatHostPort(listener.address),
        `this listener would listen on the address of ${clash[0]}=${formatHostPort(clash[1] as HostPort)}; give it another port`,
      );
    }
    taken.push([`${at}.listen`, listener.address]);
  });
}

/** The balancer refuses a pool with one address twice; say so here, by name, instead of at start. */
export function checkDuplicateBackends(pools: readonly PoolConfig[], where: (pool: PoolConfig) => string, problems: ConfigProblems): void {
  for (const pool of pools) {
    const seen = new Map<string, number>();
    pool.backends.forEach((backend, index) => {
      const key = formatHostPort({ host: canonicalHost(backend.host), port: backend.port });
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, index);
        return;
      }
      problems.add(
        `${where(pool)}[${index}]`,
        backend.address,
        `pool "${pool.name}" lists this backend already (entry ${first}); list each backend once and give it a weight instead`,
      );
    });
  }
}

/** A backup takes over only while its pool has no backend up; pools that back each other up would hide a total outage. */
export function checkBackupCycles(pools: readonly PoolConfig[], where: (pool: PoolConfig) => string, problems: ConfigProblems): void {
  const byName = new Map(pools.map((pool) => [pool.name, pool]));
  const reported = new Set<string>();
  for (const start of pools) {
    const chain: string[] = [];
    let current: PoolConfig | undefined = start;
    while (current && !chain.includes(current.name)) {
      chain.push(current.name);
      current = current.backup === null ? undefined : byName.get(current.backup);
    }
    if (!current || current.name !== start.name || chain.some((name) => reported.has(name))) continue;
    for (const name of chain) reported.add(name);
    problems.add(
      where(start),
      start.backup,
      `backup pools form a cycle (${[...chain, start.name].join(' -> ')}); remove the backup of one of them`,
    );
  }
}
