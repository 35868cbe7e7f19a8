// The udp-dns scenario's origins: unbound resolvers, one process per port, authoritative for the zone "bench".
import { type DnsRecord, type RunningResolver, resolverMissingReason, startResolver } from './dns-resolver.js';
import type { RunningOrigin } from './origin.js';

export const BENCH_DNS_RECORDS: readonly DnsRecord[] = Array.from({ length: 16 }, (_, index) => ({
  name: `host${index}.bench`,
  address: `10.1.0.${index + 1}`,
}));

/** dnsperf's query file: every record once, as "name A". */
export const BENCH_DNS_QUERIES: readonly string[] = BENCH_DNS_RECORDS.map((record) => `${record.name} A`);

export interface DnsOrigin extends RunningOrigin {
  /** Every resolver process, for CPU accounting (pid is the first). */
  pids: number[];
}

export function dnsOriginMissingReason(): string | null {
  return resolverMissingReason('unbound');
}

export async function startDnsOrigin(portCount: number, threads: number): Promise<DnsOrigin> {
  const resolvers: RunningResolver[] = [];
  const stop = async () => {
    await Promise.all(resolvers.map((resolver) => resolver.stop()));
  };
  try {
    for (let index = 0; index < portCount; index++) {
      resolvers.push(await startResolver({ kind: 'unbound', zone: 'bench', records: [...BENCH_DNS_RECORDS], threads }));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const [first] = resolvers as [RunningResolver];
  return {
    description: `${portCount} × ${first.description}`,
    ports: resolvers.map((resolver) => resolver.port),
    pid: first.pid,
    pids: resolvers.map((resolver) => resolver.pid),
    stop,
  };
}
