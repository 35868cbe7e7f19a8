// Shared configuration from etcd: the keys under a prefix, read at start and kept current by a watch;
// every change goes through the reloader (the same validated path as a file change).
import { setTimeout as sleep } from 'node:timers/promises';
import { FulcrumError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { type ConfigInputs, loadConfig } from '../load.js';
import type { FulcrumConfig } from '../types.js';
import { probe, readRange, type WatchMessage, watchRange } from './etcd-gateway.js';
import { assembleDocument, withEtcdKeys } from './etcd-layout.js';
import { type EtcdLocation, parseEtcdLocation } from './etcd-url.js';

/** Reconnects start at this delay and double up to the cap: quick after a blip, gentle on an etcd that is down. */
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;
/** A put of several keys (one per pool, say) lands as several revisions in a few ms: one reload for all of them. */
const CHANGE_DEBOUNCE_MS = 100;
/** How often an established watch checks that etcd still answers, and how long an answer may take. */
const PROBE = { intervalMs: 10_000, timeoutMs: 5_000 };

/** What /stats shows under `config` and /metrics as fulcrum_etcd_*. */
export interface EtcdStatus {
  source: 'etcd';
  url: string;
  connected: boolean;
  /** The newest revision seen under the prefix. */
  revision: number;
  /** The revision of the configuration now serving. */
  appliedRevision: number;
  lastAppliedAt: string | null;
  /** A revision whose configuration was refused (the one before it keeps serving), or null. */
  rejectedRevision: number | null;
  lastError: string | null;
  lastErrorAt: string | null;
  keys: number;
}

/** The cause Node's fetch hides under "fetch failed" (ECONNREFUSED, ...), or the message. */
export function errorText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

export class EtcdConfigSource {
  private readonly values = new Map<string, string>();
  private readonly stopping = new AbortController();
  private revision = 0;
  private connected = true;
  private appliedRevision = 0;
  private lastAppliedAt: string | null = null;
  private rejectedRevision: number | null = null;
  private lastError: string | null = null;
  private lastErrorAt: string | null = null;
  private debounce: NodeJS.Timeout | null = null;

  private constructor(
    readonly location: EtcdLocation,
    private readonly probeTiming: typeof PROBE,
  ) {}

  /** Reads the prefix once. With no configuration to fall back on, an unreachable etcd is fatal here (exit 2). */
  static async open(url: string, probeTiming = PROBE): Promise<EtcdConfigSource> {
    const source = new EtcdConfigSource(parseEtcdLocation(url), probeTiming);
    try {
      await source.readAll();
    } catch (error) {
      throw new FulcrumError(
        'FULCRUM_ERR_CONFIG',
        `etcd at ${source.location.endpoint} cannot be read (${errorText(error)}), so there is no configuration to start with; ` +
          `start etcd (or fix the address in FULCRUM_CONFIG=${url}) and start Fulcrum again. A running Fulcrum keeps serving through an etcd outage.`,
      );
    }
    source.appliedRevision = source.revision;
    source.lastAppliedAt = new Date().toISOString();
    return source;
  }

  /**
   * The configuration from the keys as they are now, through the same loadConfig as a file (env and flags
   * still win); a problem names the key it is in.
   */
  load(inputs: ConfigInputs): FulcrumConfig {
    const assembled = assembleDocument(this.location, this.values);
    try {
      return loadConfig({ ...inputs, document: { values: assembled.document, label: this.location.label } });
    } catch (error) {
      if (!(error instanceof FulcrumError)) throw error;
      throw new FulcrumError(error.code, withEtcdKeys(error.message, assembled));
    }
  }

  /**
   * Watches the prefix until stop(). `reload` applies the current document and says whether it was
   * accepted; it runs after each change (debounced) and must never throw.
   */
  watch(reload: (trigger: string) => Promise<boolean>, logger: Logger): void {
    const onChange = () => {
      if (this.debounce) clearTimeout(this.debounce);
      this.debounce = setTimeout(() => {
        this.debounce = null;
        const revision = this.revision;
        void reload(`etcd revision ${revision}`).then((applied) => {
          if (applied) {
            this.appliedRevision = revision;
            this.lastAppliedAt = new Date().toISOString();
            this.rejectedRevision = null;
          } else {
            this.rejectedRevision = revision;
          }
        });
      }, CHANGE_DEBOUNCE_MS);
    };
    void this.watchLoop(onChange, logger);
  }

  stop(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.stopping.abort();
  }

  status(): EtcdStatus {
    return {
      source: 'etcd',
      url: this.location.label,
      connected: this.connected,
      revision: this.revision,
      appliedRevision: this.appliedRevision,
      lastAppliedAt: this.lastAppliedAt,
      rejectedRevision: this.rejectedRevision,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      keys: this.values.size,
    };
  }

  private async readAll(): Promise<void> {
    const range = await readRange(this.location);
    this.values.clear();
    for (const { key, value } of range.values) this.values.set(key, value);
    this.revision = range.revision;
  }

  /** Each turn (re)establishes the watch from the last revision seen, so an outage loses no change. */
  private async watchLoop(onChange: () => void, logger: Logger): Promise<void> {
    const signal = this.stopping.signal;
    let delay = RETRY_MIN_MS;
    let fullRead = false;
    while (!signal.aborted) {
      // A watch on a peer that went silent (a network cut, no reset) would wait for ever: a probe ends it.
      const probeFailed = new AbortController();
      const prober = setInterval(() => {
        probe(this.location, this.probeTiming.timeoutMs).catch((error: unknown) =>
          probeFailed.abort(new Error(`etcd stopped answering (${errorText(error)})`)),
        );
      }, this.probeTiming.intervalMs);
      try {
        if (fullRead) {
          await this.readAll();
          fullRead = false;
          logger.info(
            { etcd: this.location.label, revision: this.revision },
            'etcd: read every key again (the history the watch needed is gone)',
          );
          onChange();
        }
        const onMessage = (message: WatchMessage) => {
          if (message.kind === 'compacted') {
            fullRead = true;
            return;
          }
          for (const event of message.events) {
            if (event.kind === 'put') this.values.set(event.key, event.value);
            else this.values.delete(event.key);
          }
          this.revision = Math.max(this.revision, message.revision);
          onChange();
        };
        const onCreated = (storeRevision: number) => {
          if (!this.connected) logger.info({ etcd: this.location.label, revision: this.revision }, 'etcd: watch re-established');
          this.connected = true;
          delay = RETRY_MIN_MS;
          // A store behind what we saw was rebuilt (restored or wiped): a watch from our revision would wait for ever.
          if (storeRevision < this.revision) {
            fullRead = true;
            throw new Error(`etcd is at revision ${storeRevision}, behind the ${this.revision} already seen`);
          }
        };
        await watchRange(this.location, this.revision + 1, AbortSignal.any([signal, probeFailed.signal]), onCreated, onMessage);
        if (fullRead || signal.aborted) continue;
        this.noteOutage('the watch stream ended', logger);
      } catch (error) {
        if (signal.aborted) break;
        this.noteOutage(probeFailed.signal.aborted ? errorText(probeFailed.signal.reason) : errorText(error), logger);
      } finally {
        clearInterval(prober);
      }
      await sleep(delay, undefined, { signal }).catch(() => undefined);
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  /** Warns once per outage; the last good configuration keeps serving throughout. */
  private noteOutage(reason: string, logger: Logger): void {
    this.lastError = reason;
    this.lastErrorAt = new Date().toISOString();
    if (!this.connected) return;
    this.connected = false;
    logger.warn(
      { etcd: this.location.label, reason, revision: this.revision },
      'etcd: watch lost; the last configuration keeps serving, retrying every 0.5-10 s',
    );
  }
}
