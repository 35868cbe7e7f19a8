// The TS face of a native balancer pool, usable from the main thread and from worker threads alike.
import { FulcrumError } from '../errors.js';
import type { NativePoolHandle } from '../native/addon-types.js';
import { native } from '../native/load.js';
import { BACKEND_STATE_CODES, BACKEND_STATES, type BackendState } from './backend-state.js';
import { OUTCOME_CODES, type Outcome } from './outcome.js';
import type { Algorithm, PoolOptions, RingKind } from './pool-options.js';
import type { PoolSnapshot } from './pool-snapshot.js';

/** What pick returns when no backend is up (answer 503, or refuse the connection). */
export const NO_BACKEND = -1;

// Native calls throw plain Errors carrying code FULCRUM_ERR_BALANCER; callers get FulcrumErrors.
function asFulcrumError(error: unknown): unknown {
  if (error instanceof Error && (error as { code?: unknown }).code === 'FULCRUM_ERR_BALANCER') {
    return new FulcrumError('FULCRUM_ERR_BALANCER', error.message);
  }
  return error;
}

function balancerError(message: string): FulcrumError {
  return new FulcrumError('FULCRUM_ERR_BALANCER', message);
}

/**
 * One JS environment's view of a process-wide pool. The table, the picker and every counter live
 * natively and are shared by all threads; this object only holds a reference (dropped when the
 * environment exits). pick/release allocate nothing on the JS heap.
 */
export class Pool {
  readonly name: string;
  readonly #handle: NativePoolHandle;
  // index -> address; an index names one address for the pool's whole life, so entries never go stale.
  readonly #addresses: string[] = [];

  constructor(handle: NativePoolHandle) {
    this.#handle = handle;
    this.name = handle.name;
  }

  /** A backend index (counted as active until released), or NO_BACKEND. avoid: index to skip unless it is the only one up. */
  pick(key?: string | Uint8Array, avoid?: number): number {
    try {
      return this.#handle.pick(key, avoid);
    } catch (error) {
      throw asFulcrumError(error);
    }
  }

  /** Counts a pick of exactly index (sticky sessions) if it is up or draining; else NO_BACKEND. Allocates nothing. */
  pickPinned(index: number): number {
    try {
      return this.#handle.pickPinned(index);
    } catch (error) {
      throw asFulcrumError(error);
    }
  }

  /**
   * Ends one pick of index; every outcome but 'success' and 'client-aborted' counts as a failure.
   * latencyMs, when given, is one sample for the backend's peak-EWMA (least-latency).
   */
  release(index: number, outcome: Outcome = 'success', latencyMs?: number): void {
    const code = OUTCOME_CODES[outcome];
    if (code === undefined)
      throw balancerError(`release outcome "${String(outcome)}" is not one of ${Object.keys(OUTCOME_CODES).join(', ')}`);
    try {
      this.#handle.release(index, code, latencyMs);
    } catch (error) {
      throw asFulcrumError(error);
    }
  }

  /** The configured "ip:port" of index. */
  address(index: number): string {
    const cached = this.#addresses[index];
    if (cached !== undefined) return cached;
    try {
      const address = this.#handle.address(index);
      this.#addresses[index] = address;
      return address;
    } catch (error) {
      throw asFulcrumError(error);
    }
  }

  setState(index: number, state: BackendState): void {
    const code = BACKEND_STATE_CODES[state];
    if (code === undefined) throw balancerError(`backend state "${String(state)}" is not one of ${BACKEND_STATES.join(', ')}`);
    this.#call(() => this.#handle.setState(index, code));
  }

  /** Sets the configured weight (1..256) and resets the effective weight to it; rebuilds the picker. */
  setWeight(index: number, weight: number): void {
    this.#call(() => this.#handle.setWeight(index, weight));
  }

  /** Lowers what pickers use (1..weight) without touching the configured weight: slow start. */
  setEffectiveWeight(index: number, weight: number): void {
    this.#call(() => this.#handle.setEffectiveWeight(index, weight));
  }

  snapshot(): PoolSnapshot {
    const raw = this.#call(() => this.#handle.snapshot());
    return {
      ...raw,
      algorithm: raw.algorithm as Algorithm,
      ringKind: raw.ringKind as RingKind,
      backends: raw.backends.map((backend) => ({ ...backend, state: BACKEND_STATES[backend.state] ?? 'disabled' })),
    };
  }

  #call<T>(action: () => T): T {
    try {
      return action();
    } catch (error) {
      throw asFulcrumError(error);
    }
  }
}

/** Creates the process-wide pool (any thread) and returns this thread's handle to it. */
export function createPool(options: PoolOptions): Pool {
  try {
    native.balancer.createPool(options);
  } catch (error) {
    throw asFulcrumError(error);
  }
  return openPool(options.name);
}

/** Attaches this thread (a worker, typically) to a pool some thread created. */
export function openPool(name: string): Pool {
  try {
    return new Pool(native.balancer.openPool(name));
  } catch (error) {
    throw asFulcrumError(error);
  }
}

/** Replaces algorithm, ring and membership; kept addresses keep their index and counters. */
export function updatePool(name: string, options: Omit<PoolOptions, 'name'>): void {
  try {
    native.balancer.updatePool({ ...options, name });
  } catch (error) {
    throw asFulcrumError(error);
  }
}

/** Unregisters name; handles already open keep working until dropped. Returns false if absent. */
export function destroyPool(name: string): boolean {
  try {
    return native.balancer.destroyPool(name);
  } catch (error) {
    throw asFulcrumError(error);
  }
}
