// A point-in-time view of a pool for stats and the admin API; each figure exact, not all one instant.
import type { BackendState } from './backend-state.js';
import type { Algorithm, RingKind } from './pool-options.js';

export interface BackendSnapshot {
  index: number;
  address: string;
  /** Stable hex id derived from the address (sticky cookies). */
  id: string;
  /** False once hot reload removed the backend; its index is not reused for another address. */
  inPool: boolean;
  state: BackendState;
  weight: number;
  effectiveWeight: number;
  activeConnections: number;
  totalPicks: number;
  failures: number;
  consecutiveFailures: number;
  /** Peak-EWMA of the backend's latency (ms; L7: time to the response head, L4: connect time); null before any sample. */
  ewmaMs: number | null;
}

export interface PoolSnapshot {
  name: string;
  algorithm: Algorithm;
  ringKind: RingKind;
  maglevTableSize: number;
  balanceFactor: number;
  latencyHalfLifeMs: number;
  activeTotal: number;
  backends: BackendSnapshot[];
}
