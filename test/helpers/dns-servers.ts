// Two real DNS servers for UDP tests, unbound and dnsmasq on 127.0.0.1, each on one port for UDP and TCP and
// authoritative for the zone "test". Shared names answer the same on both; who.test and its own name say which one
// answered. Stop them with stop(): no process or file is left behind.
import { type DnsRecord, type ResolverKind, type RunningResolver, startResolver } from '../../bench/origins/dns-resolver.js';

export type { DnsRecord, ResolverKind, RunningResolver };

export const DNS_ZONE = 'test';
/** Answered by both, with the address of the server that answered. */
export const WHO_NAME = 'who.test';
export const WHO_ADDRESS: Readonly<Record<ResolverKind, string>> = { unbound: '10.0.0.1', dnsmasq: '10.0.0.2' };
/** Answered the same by both. */
export const SHARED_RECORDS: readonly DnsRecord[] = [
  { name: 'www.test', address: '10.0.1.1' },
  { name: 'mail.test', address: '10.0.1.2' },
  { name: 'db.test', address: '10.0.1.3' },
  { name: 'game.test', address: '10.0.1.4' },
];
/** A name only this server knows ("unbound.test"); the other answers NXDOMAIN. */
export function ownName(kind: ResolverKind): string {
  return `${kind}.${DNS_ZONE}`;
}

export function recordsOf(kind: ResolverKind): DnsRecord[] {
  return [{ name: WHO_NAME, address: WHO_ADDRESS[kind] }, ...SHARED_RECORDS, { name: ownName(kind), address: '10.0.2.1' }];
}

export function startDnsServer(kind: ResolverKind): Promise<RunningResolver> {
  return startResolver({ kind, zone: DNS_ZONE, records: recordsOf(kind) });
}

/** Both servers, started side by side; if one fails to start, the other is stopped before the error is thrown. */
export async function startDnsServers(): Promise<{ unbound: RunningResolver; dnsmasq: RunningResolver }> {
  const [unbound, dnsmasq] = await Promise.allSettled([startDnsServer('unbound'), startDnsServer('dnsmasq')]);
  if (unbound.status === 'fulfilled' && dnsmasq.status === 'fulfilled') return { unbound: unbound.value, dnsmasq: dnsmasq.value };
  await Promise.all([unbound, dnsmasq].map((started) => (started.status === 'fulfilled' ? started.value.stop() : undefined)));
  const failed = [unbound, dnsmasq].find((started) => started.status === 'rejected') as PromiseRejectedResult;
  throw failed.reason;
}
