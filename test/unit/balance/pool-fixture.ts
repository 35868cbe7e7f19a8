// Shared helpers for balancer tests: unique pool names (pools are process-wide) and backend lists.
import { createPool, destroyPool, type Pool, type PoolOptions } from '../../../src/balance/index.js';

let created = 0;
const open: string[] = [];

export function backends(count: number, weights: readonly number[] = []): { address: string; weight: number }[] {
  return Array.from({ length: count }, (_, position) => ({
    address: `10.0.${Math.floor(position / 250)}.${(position % 250) + 1}:8080`,
    weight: weights[position] ?? 1,
  }));
}

/** Creates a pool with a name no other test uses; destroyPools() removes them all. */
export function pool(options: Omit<PoolOptions, 'name'>, name = `test-${process.pid}-${++created}`): Pool {
  open.push(name);
  return createPool({ ...options, name });
}

export function destroyPools(): void {
  for (const name of open.splice(0)) destroyPool(name);
}

/** Picks count times with release after each, returning the picked indices. */
export function pickSequence(target: Pool, count: number, key?: string): number[] {
  return Array.from({ length: count }, () => {
    const index = target.pick(key);
    if (index >= 0) target.release(index);
    return index;
  });
}

/** Share of picks per index over count picks, with or without releasing each pick. */
export function pickShares(target: Pool, count: number, size: number, release: boolean): number[] {
  const counts = new Array<number>(size).fill(0);
  const held: number[] = [];
  for (let pick = 0; pick < count; pick += 1) {
    const index = target.pick();
    counts[index] = (counts[index] ?? 0) + 1;
    if (release) target.release(index);
    else held.push(index);
  }
  for (const index of held) target.release(index);
  return counts.map((value) => value / count);
}
