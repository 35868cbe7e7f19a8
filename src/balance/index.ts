// The balancer's public TS surface: pools shared with the native table by every thread.

export type { BackendState } from './backend-state.js';
export type { Outcome } from './outcome.js';
/** Pool under the name modules with pools of their own (upstream sockets, piscina) import it by. */
export type { Pool as BalancerPool } from './pool.js';
export { createPool, destroyPool, NO_BACKEND, openPool, Pool, updatePool } from './pool.js';
export type { Algorithm, BackendOptions, PoolOptions, RingKind } from './pool-options.js';
export type { BackendSnapshot, PoolSnapshot } from './pool-snapshot.js';
