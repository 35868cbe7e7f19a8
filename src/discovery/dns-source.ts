// One DNS-named backend entry (dns+a:// or dns+srv://) kept resolved: its last good answer, re-resolved on the TTL.
import type { Resolver } from 'node:dns/promises';
import type { DnsSourceConfig } from '../config/dns-backend.js';
import type { Logger } from '../log.js';
import { type DnsAnswer, type DnsMember, lookupSource } from './dns-lookup.js';

export interface TtlBounds {
  minMs: number;
  maxMs: number;
}

/** What /stats shows of a source. */
export interface DnsSourceStats {
  source: string;
  name: string;
  recordType: 'A/AAAA' | 'SRV';
  addresses: number;
  /** Of the last answer that was used. */
  lastResolvedAt: string | null;
  /** The records' TTL as answered, in seconds (SRV: the lowest TTL of its targets' addresses). */
  ttlSeconds: number | null;
  nextResolveAt: string | null;
  /** Of the last attempt; null once an answer is used again. */
  lastError: string | null;
  /** Failed resolutions since start. */
  failures: number;
  skippedTargets: string[];
  standbyTargets: number;
}

function memberKey(member: DnsMember): string {
  return `${member.ip}|${member.port}|${member.weight}`;
}

function describe(members: readonly DnsMember[]): string[] {
  return members.map((member) => `${member.ip.includes(':') ? `[${member.ip}]` : member.ip}:${member.port}*${member.weight}`);
}

export class DnsSource {
  readonly config: DnsSourceConfig;
  /** The last good answer's addresses; empty only before the first answer. Never emptied by a failure. */
  members: readonly DnsMember[] = [];
  failures = 0;
  #answer: DnsAnswer | null = null;
  #resolvedAt: Date | null = null;
  #nextAt: Date | null = null;
  #lastError: string | null = null;
  /** Set from the first failure to the next good answer: one warning per outage. */
  #failingSince: Date | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  readonly #logger: Logger;
  readonly #onChange: () => void;

  constructor(config: DnsSourceConfig, logger: Logger, onChange: () => void) {
    this.config = config;
    this.#logger = logger;
    this.#onChange = onChange;
  }

  /** Resolves now; true when the answer was used. Later resolutions follow on their own until stop(). */
  async resolve(resolver: () => Resolver, bounds: () => TtlBounds): Promise<boolean> {
    let delayMs: number;
    let used = false;
    try {
      const answer = await lookupSource(resolver(), this.config);
      if (this.#stopped) return false;
      used = true;
      this.#use(answer);
      delayMs = Math.min(Math.max(answer.ttlSeconds * 1000, bounds().minMs), bounds().maxMs);
    } catch (error) {
      if (this.#stopped) return false;
      this.#fail(error as Error);
      delayMs = bounds().minMs;
    }
    this.#nextAt = new Date(Date.now() + delayMs);
    this.#timer = setTimeout(() => void this.resolve(resolver, bounds), delayMs);
    this.#timer.unref();
    return used;
  }

  get lastError(): string | null {
    return this.#lastError;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  stats(): DnsSourceStats {
    return {
      source: this.config.url,
      name: this.config.name,
      recordType: this.config.kind === 'srv' ? 'SRV' : 'A/AAAA',
      addresses: this.members.length,
      lastResolvedAt: this.#resolvedAt?.toISOString() ?? null,
      ttlSeconds: this.#answer && Number.isFinite(this.#answer.ttlSeconds) ? this.#answer.ttlSeconds : null,
      nextResolveAt: this.#nextAt?.toISOString() ?? null,
      lastError: this.#lastError,
      failures: this.failures,
      skippedTargets: this.#answer?.skippedTargets ?? [],
      standbyTargets: this.#answer?.standbyTargets ?? 0,
    };
  }

  #use(answer: DnsAnswer): void {
    const source = this.config.url;
    if (this.#failingSince) {
      const outageMs = Date.now() - this.#failingSince.getTime();
      this.#logger.info({ source, outageMs, failures: this.failures }, 'DNS resolution recovered');
      this.#failingSince = null;
    }
    const skippedBefore = this.#answer?.skippedTargets.join('\n') ?? '';
    if (answer.skippedTargets.length > 0 && answer.skippedTargets.join('\n') !== skippedBefore) {
      this.#logger.warn(
        { source, skipped: answer.skippedTargets },
        'SRV targets that do not resolve are left out of the pool; the other targets serve',
      );
    }
    this.#answer = answer;
    this.#resolvedAt = new Date();
    this.#lastError = null;
    const before = new Set(this.members.map(memberKey));
    const after = new Set(answer.members.map(memberKey));
    const added = answer.members.filter((member) => !before.has(memberKey(member)));
    const removed = this.members.filter((member) => !after.has(memberKey(member)));
    const first = this.members.length === 0;
    this.members = answer.members;
    if (first || (added.length === 0 && removed.length === 0)) return;
    this.#logger.info({ source, added: describe(added), removed: describe(removed) }, "a DNS answer changed the pool's backends");
    this.#onChange();
  }

  #fail(error: Error): void {
    this.failures++;
    this.#lastError = error.message;
    if (this.#failingSince) return;
    this.#failingSince = new Date();
    if (this.members.length === 0) return;
    this.#logger.warn(
      { source: this.config.url, error: error.message, keeping: this.members.length },
      'DNS resolution failed; the pool keeps the last good backends and Fulcrum retries (warned once until it recovers)',
    );
  }
}
