// Resolves backend host names to numeric addresses (at start and on reload): the native table connects by IP.
// DNS-named backends (dns+a://, dns+srv://) expand to the addresses discovery last resolved for them.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { FulcrumError } from '../errors.js';
import type { DnsSourceConfig } from './dns-backend.js';
import { formatHostPort } from './parsers.js';
import type { BackendConfig, PoolConfig } from './types.js';

export interface ResolvedBackend extends BackendConfig {
  /** Numeric IPv4 or IPv6 address. */
  ip: string;
}

export interface ResolvedPool extends Omit<PoolConfig, 'backends'> {
  backends: ResolvedBackend[];
}

/** The addresses discovery last resolved for a DNS-named backend (src/discovery/dns-discovery.ts). */
export type DnsMembers = (source: DnsSourceConfig) => readonly { ip: string; port: number; weight: number }[];

/** dns+a: every address at the entry's port and weight; dns+srv: each target's port and (scaled) weight. */
function expandDnsBackend(backend: BackendConfig, source: DnsSourceConfig, dnsMembers: DnsMembers): ResolvedBackend[] {
  return dnsMembers(source).map((member) => ({
    address: `${source.url} ${formatHostPort({ host: member.ip, port: member.port })}`,
    host: member.ip,
    ip: member.ip,
    port: member.port,
    weight: source.kind === 'srv' ? member.weight : backend.weight,
  }));
}

async function resolveBackend(backend: BackendConfig, pool: string): Promise<ResolvedBackend> {
  if (isIP(backend.host)) return { ...backend, ip: backend.host };
  try {
    const { address } = await lookup(backend.host);
    return { ...backend, ip: address };
  } catch (error) {
    throw new FulcrumError(
      'FULCRUM_ERR_CONFIG',
      `backend ${backend.address} of pool "${pool}" cannot be resolved (${(error as NodeJS.ErrnoException).code}); ` +
        'check the host name or use an IP address.',
    );
  }
}

/**
 * Two names for one address (localhost:80 and 127.0.0.1:80) only show once resolved; the balancer refuses them.
 * An address a DNS answer repeats (two SRV targets, or a static backend too) is used once, as first listed.
 */
function refuseSameAddressTwice(pool: ResolvedPool, fromDns: ReadonlySet<ResolvedBackend>): ResolvedPool {
  const seen = new Map<string, ResolvedBackend>();
  const backends: ResolvedBackend[] = [];
  for (const backend of pool.backends) {
    const key = `${backend.ip}:${backend.port}`;
    const first = seen.get(key);
    if (first && (fromDns.has(first) || fromDns.has(backend))) continue;
    if (first) {
      throw new FulcrumError(
        'FULCRUM_ERR_CONFIG',
        `backends ${first.address} and ${backend.address} of pool "${pool.name}" both resolve to ${formatHostPort({ host: backend.ip, port: backend.port })}; list each backend once.`,
      );
    }
    seen.set(key, backend);
    backends.push(backend);
  }
  return { ...pool, backends };
}

export async function resolvePools(pools: PoolConfig[], dnsMembers: DnsMembers): Promise<ResolvedPool[]> {
  return Promise.all(
    pools.map(async (pool) => {
      const fromDns = new Set<ResolvedBackend>();
      const resolved = await Promise.all(
        pool.backends.map(async (backend) => {
          if (!backend.dns) return [await resolveBackend(backend, pool.name)];
          const expanded = expandDnsBackend(backend, backend.dns, dnsMembers);
          for (const one of expanded) fromDns.add(one);
          return expanded;
        }),
      );
      return refuseSameAddressTwice({ ...pool, backends: resolved.flat() }, fromDns);
    }),
  );
}
