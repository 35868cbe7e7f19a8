// Per-arm request counts of traffic splits, in a SharedArrayBuffer the main thread creates and every
// L7 worker writes: each worker owns one row, so counting needs no atomics and the reader sums rows.
import type { RouteConfig } from '../config/types.js';

/** What the main thread passes to workers in the serve task. */
export interface SplitCounterSpec {
  buffer: SharedArrayBuffer;
  /** Arms of all split routes together, in route order. */
  armCount: number;
  /** Rows for the workers plus spares for workers that replace dead ones. */
  rowCount: number;
}

export interface SplitArmCount {
  pool: string;
  weight: number;
  requests: number;
}

export interface SplitRouteCounts {
  /** Position of the route in the config file's routes list. */
  route: number;
  arms: SplitArmCount[];
}

// Slot 0 (Int32) hands out worker rows; rows of Float64 counters (exact to 2^53) start at byte 8.
const HEADER_BYTES = 8;
/** A dead worker's row keeps its counts; its replacement takes a spare one. */
const SPARE_ROWS = 32;

export function createSplitCounters(routes: RouteConfig[], workerCount: number): SplitCounterSpec {
  const armCount = routes.reduce((sum, route) => sum + (route.split?.arms.length ?? 0), 0);
  const rowCount = workerCount + SPARE_ROWS;
  return { buffer: new SharedArrayBuffer(HEADER_BYTES + armCount * rowCount * 8), armCount, rowCount };
}

/** A worker's own row of counters, indexed by arm position across all split routes. Call once per worker. */
export function claimCounterRow(spec: SplitCounterSpec): Float64Array {
  // Past the spares (many worker deaths) rows are shared, and concurrent increments may lose a count.
  const row = Atomics.add(new Int32Array(spec.buffer, 0, 1), 0, 1) % spec.rowCount;
  return new Float64Array(spec.buffer, HEADER_BYTES + row * spec.armCount * 8, spec.armCount);
}

/** Sums every worker's row: the requests each split arm received since start (any thread). */
export function readSplitCounts(spec: SplitCounterSpec, routes: RouteConfig[]): SplitRouteCounts[] {
  const counters = new Float64Array(spec.buffer, HEADER_BYTES, spec.armCount * spec.rowCount);
  const result: SplitRouteCounts[] = [];
  let armOffset = 0;
  routes.forEach((route, routeIndex) => {
    if (!route.split) return;
    const arms = route.split.arms.map((arm, armIndex) => {
      let requests = 0;
      for (let row = 0; row < spec.rowCount; row++) requests += counters[row * spec.armCount + armOffset + armIndex] as number;
      return { pool: arm.pool, weight: arm.weight, requests };
    });
    armOffset += route.split.arms.length;
    result.push({ route: routeIndex, arms });
  });
  return result;
}
