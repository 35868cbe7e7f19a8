// Keeps every DNS-named backend of the running config resolved, one source per distinct dns+ URL, shared by the pools
// that name it; a changed answer calls onChange, which applies the pools through the same in-place update as a reload.
import type { Resolver } from 'node:dns/promises';
import type { DnsSourceConfig } from '../config/dns-backend.js';
import type { DnsSettings } from '../config/dns-settings.js';
import type { FulcrumConfig, PoolConfig } from '../config/types.js';
import { FulcrumError } from '../errors.js';
import type { Logger } from '../log.js';
import { createResolver, type DnsMember } from './dns-lookup.js';
import { DnsSource, type DnsSourceStats, type TtlBounds } from './dns-source.js';

function sourcesOf(pools: readonly PoolConfig[]): Map<string, { config: DnsSourceConfig; pool: string }> {
  const sources = new Map<string, { config: DnsSourceConfig; pool: string }>();
  for (const pool of pools) {
    for (const backend of pool.backends)
      if (backend.dns && !sources.has(backend.dns.url)) sources.set(backend.dns.url, { config: backend.dns, pool: pool.name });
  }
  return sources;
}

export function usesDns(pool: PoolConfig): boolean {
  return pool.backends.some((backend) => backend.dns !== undefined);
}

export class DnsDiscovery {
  readonly #sources = new Map<string, DnsSource>();
  readonly #logger: Logger;
  readonly #onChange: () => void;
  #resolver: Resolver | null = null;
  #servers = '';
  #bounds: TtlBounds = { minMs: 1_000, maxMs: 300_000 };

  constructor(logger: Logger, onChange: () => void) {
    this.#logger = logger;
    this.#onChange = onChange;
  }

  /**
   * Takes the config's resolver settings and resolves each source it names that is not running yet, once, before
   * anything uses it. Throws (exit 2 at start; a refused reload later) when one does not resolve: its pool would
   * otherwise start with no backend. Sources that keep running keep their last answer.
   */
  async prepare(config: FulcrumConfig): Promise<void> {
    this.#configure(config);
    const fresh: DnsSource[] = [];
    const failed: string[] = [];
    await Promise.all(
      [...sourcesOf(config.pools)].map(async ([url, { config: sourceConfig, pool }]) => {
        if (this.#sources.has(url)) return;
        const source = new DnsSource(sourceConfig, this.#logger, this.#onChange);
        fresh.push(source);
        if (
          !(await source.resolve(
            () => this.#resolverNow(),
            () => this.#bounds,
          ))
        ) {
          failed.push(`backend ${url} of pool "${pool}" does not resolve (${source.lastError})`);
        }
      }),
    );
    if (failed.length > 0) {
      for (const source of fresh) source.stop();
      throw new FulcrumError(
        'FULCRUM_ERR_CONFIG',
        `${failed.join('; ')}. Check the name, and FULCRUM_DNS_SERVERS (${this.#servers || 'the system resolver'}); ` +
          'a pool does not start without backends (see docs/discovery.md).',
      );
    }
    for (const source of fresh) this.#sources.set(source.config.url, source);
  }

  /** Stops the sources `config` no longer names; after a reload is applied. */
  retain(config: FulcrumConfig): void {
    const wanted = sourcesOf(config.pools);
    for (const [url, source] of this.#sources) {
      if (wanted.has(url)) continue;
      source.stop();
      this.#sources.delete(url);
    }
  }

  /** The last good addresses of a source `prepare` resolved. */
  members(source: DnsSourceConfig): readonly DnsMember[] {
    return this.#sources.get(source.url)?.members ?? [];
  }

  /** /stats: the sources of one pool. */
  statsOf(pool: PoolConfig): DnsSourceStats[] {
    return [...sourcesOf([pool]).keys()].flatMap((url) => this.#sources.get(url)?.stats() ?? []);
  }

  /** /metrics: failed resolutions by source. */
  failureCounts(): Map<string, number> {
    return new Map([...this.#sources].map(([url, source]) => [url, source.failures]));
  }

  stop(): void {
    for (const source of this.#sources.values()) source.stop();
    this.#sources.clear();
    this.#resolver?.cancel();
  }

  #configure(settings: DnsSettings): void {
    this.#bounds = { minMs: settings.dnsMinTtl, maxMs: settings.dnsMaxTtl };
    const servers = settings.dnsServers.join(',');
    if (this.#resolver && servers === this.#servers) return;
    // Queries under way finish on the old resolver; the next ones go to the new servers.
    this.#servers = servers;
    this.#resolver = null;
  }

  #resolverNow(): Resolver {
    this.#resolver ??= createResolver(this.#servers === '' ? [] : this.#servers.split(','));
    return this.#resolver;
  }
}
