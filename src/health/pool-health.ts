// Keeps one pool's backends honest: schedules active checks (with jitter, faster while a backend changes
// state), ejects on consecutive failures seen by the data planes, ramps returning backends (slow start),
// and writes the resulting state into the native table. Main thread only.
import type { BackendSnapshot, BalancerPool } from '../balance/index.js';
import type { PoolConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { runCheck } from './active-check.js';
import { type AdminState, BackendHealth } from './backend-health.js';
import { SlowStart } from './slow-start.js';

/** How often the data planes' failure counters are read for passive ejection while traffic moves... */
const PASSIVE_POLL_MS = 100;
/** ...and while it does not, so an idle process stays idle (the first failures are seen within this). */
const PASSIVE_IDLE_POLL_MS = 1_000;
const JITTER = 0.1;

export interface HealthEvents {
  checks: { passed: number; failed: number };
  ejections: number;
  transitions: number;
}

export class PoolHealth {
  readonly name: string;
  readonly events: HealthEvents = { checks: { passed: 0, failed: 0 }, ejections: 0, transitions: 0 };
  private config: PoolConfig;
  private readonly pool: BalancerPool;
  private readonly logger: Logger;
  private readonly backends = new Map<number, BackendHealth>();
  private readonly checkTimers = new Map<number, NodeJS.Timeout>();
  private readonly slowStart: SlowStart;
  private passiveTimer: NodeJS.Timeout | null = null;
  /** Picks plus failures of all members at the last passive poll: unchanged means no traffic since. */
  private lastActivity = 0;
  private stopped = false;

  constructor(config: PoolConfig, pool: BalancerPool, logger: Logger) {
    this.config = config;
    this.pool = pool;
    this.name = config.name;
    this.logger = logger.child({ pool: config.name });
    this.slowStart = new SlowStart(pool);
    this.sync();
    if (config.outlier) this.schedulePassive(PASSIVE_POLL_MS);
  }

  /** A reload changed the pool: pick up new and removed backends and new check settings. */
  reconfigure(config: PoolConfig): void {
    const outlierChanged = Boolean(config.outlier) !== Boolean(this.config.outlier);
    this.config = config;
    for (const timer of this.checkTimers.values()) clearTimeout(timer);
    this.checkTimers.clear();
    this.sync();
    if (outlierChanged) {
      if (this.passiveTimer) clearTimeout(this.passiveTimer);
      this.passiveTimer = null;
      if (config.outlier) this.schedulePassive(PASSIVE_POLL_MS);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.checkTimers.values()) clearTimeout(timer);
    this.checkTimers.clear();
    if (this.passiveTimer) clearTimeout(this.passiveTimer);
    this.slowStart.stop();
  }

  setAdminState(address: string, admin: AdminState): boolean {
    const backend = [...this.backends.values()].find((candidate) => candidate.address === address);
    if (!backend) return false;
    backend.admin = admin;
    this.apply(backend, `admin: ${admin}`);
    return true;
  }

  health(index: number): BackendHealth | undefined {
    return this.backends.get(index);
  }

  private members(): BackendSnapshot[] {
    return this.pool.snapshot().backends.filter((backend) => backend.inPool);
  }

  private sync(): void {
    const members = this.members();
    const live = new Set(members.map((member) => member.index));
    for (const index of this.backends.keys()) if (!live.has(index)) this.backends.delete(index);
    for (const member of members) {
      if (!this.backends.has(member.index)) this.backends.set(member.index, new BackendHealth(member.index, member.address));
      if (this.config.healthCheck) this.scheduleCheck(member.index, Math.random() * this.config.healthCheck.intervalMs);
    }
  }

  private scheduleCheck(index: number, delayMs: number): void {
    if (this.stopped) return;
    this.checkTimers.set(
      index,
      setTimeout(() => void this.check(index), delayMs),
    );
  }

  private async check(index: number): Promise<void> {
    const backend = this.backends.get(index);
    const check = this.config.healthCheck;
    if (!backend || !check) return;
    const colon = backend.address.lastIndexOf(':');
    const host = backend.address.slice(0, colon).replace(/^\[|\]$/g, '');
    // An h2 pool's gRPC check verifies its backends' certificates as its traffic does; other pools' speak h2c.
    const target = { host, port: Number(backend.address.slice(colon + 1)), tls: this.config.upstreamTls };
    const result = await runCheck(target, check);
    if (this.stopped || this.backends.get(index) !== backend) return;
    this.events.checks[result.ok ? 'passed' : 'failed']++;
    if (backend.recordCheck(result, check.rise, check.fall)) {
      this.apply(backend, `active check ${result.ok ? 'passed' : 'failed'} (${result.detail})`);
    }
    const interval = backend.changing ? check.fastIntervalMs : check.intervalMs;
    this.scheduleCheck(index, interval * (1 - JITTER + Math.random() * 2 * JITTER));
  }

  private schedulePassive(delayMs: number): void {
    this.passiveTimer = setTimeout(() => {
      const activity = this.pollPassive();
      const moved = activity !== this.lastActivity;
      this.lastActivity = activity;
      if (this.config.outlier) this.schedulePassive(moved ? PASSIVE_POLL_MS : PASSIVE_IDLE_POLL_MS);
    }, delayMs);
  }

  /** Ejects and readmits on the data planes' failure counts; returns the pool's picks plus failures. */
  private pollPassive(): number {
    const members = this.members();
    const activity = members.reduce((sum, member) => sum + member.totalPicks + member.failures, 0);
    const outlier = this.config.outlier;
    if (!outlier) return activity;
    const now = Date.now();
    let ejected = [...this.backends.values()].filter((backend) => backend.ejected).length;
    const maxEjected = Math.floor((members.length * outlier.maxEjectionPercent) / 100);
    for (const member of members) {
      const backend = this.backends.get(member.index);
      if (!backend) continue;
      if (member.consecutiveFailures < backend.failureBaseline) backend.failureBaseline = 0;
      if (backend.ejected) {
        if (now >= backend.ejectedUntil) {
          backend.ejectedUntil = 0;
          backend.lastEjectionEnded = now;
          backend.failureBaseline = member.consecutiveFailures;
          ejected--;
          this.apply(backend, 'ejection ended');
        }
        continue;
      }
      // A backend that stayed clean for a full maximum ejection time starts its multiplier over.
      if (backend.ejections > 0 && now - backend.lastEjectionEnded > outlier.maxEjectionMs) backend.ejections = 0;
      const fresh = member.consecutiveFailures - backend.failureBaseline;
      if (fresh < outlier.consecutiveFailures || backend.state !== 'up') continue;
      if (ejected >= maxEjected) {
        this.logger.warn({ backend: backend.address, ejected, maxEjected }, 'not ejecting: max ejection percent reached');
        backend.failureBaseline = member.consecutiveFailures;
        continue;
      }
      backend.ejections++;
      const durationMs = Math.min(outlier.baseEjectionMs * backend.ejections, outlier.maxEjectionMs);
      backend.ejectedUntil = now + durationMs;
      ejected++;
      this.events.ejections++;
      this.apply(backend, `ejected for ${durationMs} ms after ${fresh} consecutive failures`);
    }
    return activity;
  }

  /** Writes the backend's combined state to the native table, starting slow start when it comes back. */
  private apply(backend: BackendHealth, reason: string): void {
    const current = this.pool.snapshot().backends[backend.index];
    const next = backend.state;
    if (!current || current.state === next) return;
    this.pool.setState(backend.index, next);
    this.events.transitions++;
    this.logger.info({ backend: backend.address, from: current.state, to: next, reason }, 'backend state changed');
    if (next === 'up' && this.config.slowStartMs > 0) this.slowStart.begin(backend.index, current.weight, this.config.slowStartMs);
    if (next !== 'up') this.slowStart.cancel(backend.index, current.weight);
  }
}
