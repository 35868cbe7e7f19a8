// The DNS queries of discovery over node:dns: a name's A and AAAA records with their TTLs, and a service's SRV records.
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { DnsSourceConfig } from '../config/dns-backend.js';

/** One address a DNS answer gives a pool. */
export interface DnsMember {
  ip: string;
  port: number;
  /** 1..256: SRV weights scaled into that range; 1 for dns+a (the backend's own "*WEIGHT" applies there). */
  weight: number;
}

export interface DnsAnswer {
  /** Never empty: an answer with no usable address is an error. */
  members: DnsMember[];
  /** Lowest TTL of the records used, in seconds. For SRV, node:dns gives no TTL: the targets' address TTLs stand in. */
  ttlSeconds: number;
  /** SRV targets of the chosen priority whose addresses did not resolve, with why. */
  skippedTargets: string[];
  /** SRV targets left out because a lower priority value had targets that resolved. */
  standbyTargets: number;
}

/** Thrown when an answer cannot be used; `code` is node's (ENOTFOUND = NXDOMAIN, ESERVFAIL, ETIMEOUT, ECONNREFUSED, ENODATA ...). */
export class DnsLookupError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

// Fulcrum's weight range (native/balancer/backend.h kMaxWeight).
const MAX_WEIGHT = 256;
// Targets resolved at once for one SRV answer: hundreds of targets must not become a burst of a thousand queries.
const TARGET_CONCURRENCY = 32;
// Per query: c-ares waits this long for an answer, and tries this many times (per server) before ETIMEOUT.
const QUERY_TIMEOUT_MS = 1_000;
const QUERY_TRIES = 2;

/** servers: "ip", "ip:port" or "[ipv6]:port"; empty keeps the system's (/etc/resolv.conf). */
export function createResolver(servers: readonly string[]): Resolver {
  const resolver = new Resolver({ timeout: QUERY_TIMEOUT_MS, tries: QUERY_TRIES });
  if (servers.length > 0) resolver.setServers([...servers]);
  return resolver;
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
}

function failure(error: unknown, name: string, type: string): DnsLookupError {
  const code = codeOf(error);
  const meaning = code === 'ENOTFOUND' ? 'NXDOMAIN' : code === 'ENODATA' ? `no ${type} records` : code;
  return new DnsLookupError(code, `${type} ${name}: ${meaning}`);
}

/**
 * A name's addresses, A and AAAA together. A family with no records (ENODATA) is fine when the other has some;
 * any other failure of either query fails the whole answer, so that a half answer never shrinks a pool.
 */
export async function lookupAddresses(resolver: Resolver, name: string): Promise<{ ips: string[]; ttlSeconds: number }> {
  if (isIP(name)) return { ips: [name], ttlSeconds: Number.POSITIVE_INFINITY };
  const answers = await Promise.allSettled([resolver.resolve4(name, { ttl: true }), resolver.resolve6(name, { ttl: true })]);
  const records: { address: string; ttl: number }[] = [];
  for (const [index, answer] of answers.entries()) {
    if (answer.status === 'fulfilled') records.push(...answer.value);
    else if (codeOf(answer.reason) !== 'ENODATA') throw failure(answer.reason, name, index === 0 ? 'A' : 'AAAA');
  }
  if (records.length === 0) throw new DnsLookupError('ENODATA', `A/AAAA ${name}: no A or AAAA records`);
  const ips = [...new Set(records.map((record) => record.address))].sort();
  // Node 20 reads TTLs into a 256-entry array (src/cares_wrap.cc): past 256 records the rest come without one.
  const ttls = records.map((record) => record.ttl).filter((ttl) => Number.isFinite(ttl));
  return { ips, ttlSeconds: ttls.length > 0 ? Math.min(...ttls) : 0 };
}

/** RFC 2782 weights (0..65535) into 1..256, keeping their ratios where the range allows; 0 becomes the least, 1. */
export function scaleSrvWeights(weights: readonly number[]): number[] {
  const highest = Math.max(...weights);
  const scale = highest > MAX_WEIGHT ? MAX_WEIGHT / highest : 1;
  return weights.map((weight) => Math.max(1, Math.round(weight * scale)));
}

async function inBatches<T, R>(items: readonly T[], size: number, task: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = [];
  for (let start = 0; start < items.length; start += size) {
    results.push(...(await Promise.allSettled(items.slice(start, start + size).map(task))));
  }
  return results;
}

async function lookupSrv(resolver: Resolver, name: string): Promise<DnsAnswer> {
  let records: Awaited<ReturnType<Resolver['resolveSrv']>>;
  try {
    records = await resolver.resolveSrv(name);
  } catch (error) {
    throw failure(error, name, 'SRV');
  }
  // A target of "." says the service is not offered here (RFC 2782).
  const offered = records.filter((record) => record.name !== '' && record.name !== '.');
  if (offered.length === 0) throw new DnsLookupError('ENODATA', `SRV ${name}: no SRV targets`);
  const priorities = [...new Set(offered.map((record) => record.priority))].sort((a, b) => a - b);
  const skipped: string[] = [];
  // The lowest priority value whose targets resolve is the pool; higher values wait (RFC 2782 fallback).
  for (const priority of priorities) {
    const group = offered.filter((record) => record.priority === priority);
    const resolved = await inBatches(group, TARGET_CONCURRENCY, (record) => lookupAddresses(resolver, record.name));
    const weights = scaleSrvWeights(group.map((record) => record.weight));
    const members: DnsMember[] = [];
    const seen = new Set<string>();
    let ttlSeconds = Number.POSITIVE_INFINITY;
    resolved.forEach((result, index) => {
      const record = group[index] as (typeof group)[number];
      if (result.status === 'rejected') {
        skipped.push(`${record.name}:${record.port} (${(result.reason as Error).message})`);
        return;
      }
      ttlSeconds = Math.min(ttlSeconds, result.value.ttlSeconds);
      for (const ip of result.value.ips) {
        const key = `${ip}|${record.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        members.push({ ip, port: record.port, weight: weights[index] as number });
      }
    });
    if (members.length > 0) {
      return { members, ttlSeconds, skippedTargets: skipped, standbyTargets: offered.length - group.length };
    }
  }
  throw new DnsLookupError('ENODATA', `SRV ${name}: no target resolves (${skipped.join('; ')})`);
}

/** One resolution of a source; throws DnsLookupError when the answer cannot be used. */
export async function lookupSource(resolver: Resolver, source: DnsSourceConfig): Promise<DnsAnswer> {
  if (source.kind === 'srv') return lookupSrv(resolver, source.name);
  const { ips, ttlSeconds } = await lookupAddresses(resolver, source.name);
  return {
    members: ips.map((ip) => ({ ip, port: source.port as number, weight: 1 })),
    ttlSeconds,
    skippedTargets: [],
    standbyTargets: 0,
  };
}
