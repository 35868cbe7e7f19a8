// Worker threads share one native pool: least connections stays exact and every count returns to zero.
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';

// The compiled module (global setup builds dist/), so this thread and the workers load the same code.
const balanceModule = new URL('../../../dist/balance/index.js', import.meta.url).href;
const { createPool, destroyPool } = (await import(balanceModule)) as typeof import('../../../src/balance/index.js');
const poolName = `workers-${process.pid}`;
afterAll(() => destroyPool(poolName));

// Each worker opens the pool by name, then picks and releases, holding up to `depth` picks at once.
const workerSource = `
const { workerData, parentPort } = require('node:worker_threads');
import(workerData.module).then(({ openPool }) => {
  const pool = openPool(workerData.poolName);
  const held = [];
  let picks = 0;
  for (let round = 0; round < workerData.rounds; round += 1) {
    const index = pool.pick(round % 2 ? 'key-' + round : undefined);
    if (index < 0) throw new Error('no backend');
    held.push(index);
    picks += 1;
    if (held.length >= workerData.depth) pool.release(held.shift(), round % 5 ? 'success' : 'timeout');
  }
  for (const index of held) pool.release(index, 'success');
  parentPort.postMessage(picks);
});
`;

function runWorker(rounds: number, depth: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource, { eval: true, workerData: { module: balanceModule, poolName, rounds, depth } });
    let picks = 0;
    worker.once('message', (count: number) => (picks = count));
    worker.once('error', reject);
    // Resolve only once the worker's environment is torn down, so the checks below also cover the
    // env cleanup hook dropping the worker's references while the pool lives on.
    worker.once('exit', (code) => (code === 0 ? resolve(picks) : reject(new Error(`worker exited with ${code}`))));
  });
}

describe('one pool, many worker threads', () => {
  it('counts every pick and ends with zero active connections everywhere', async () => {
    const main = createPool({
      name: poolName,
      algorithm: 'least-connections',
      backends: [{ address: '127.0.0.1:9001' }, { address: '127.0.0.1:9002' }, { address: '127.0.0.1:9003' }, { address: '[::1]:9004' }],
    });
    const workers = 6;
    const rounds = 50_000;
    // The main thread changes state and weights while the workers pick: picks never wait on it.
    const churn = setInterval(() => {
      main.setState(3, main.snapshot().backends[3]?.state === 'up' ? 'draining' : 'up');
      main.setWeight(0, 1 + Math.floor(Math.random() * 5));
    }, 1);
    const picks = await Promise.all(Array.from({ length: workers }, () => runWorker(rounds, 8)));
    clearInterval(churn);

    const snapshot = main.snapshot();
    expect(picks.reduce((sum, count) => sum + count, 0)).toBe(workers * rounds);
    expect(snapshot.backends.reduce((sum, backend) => sum + backend.totalPicks, 0)).toBe(workers * rounds);
    expect(snapshot.backends.map((backend) => backend.activeConnections)).toEqual([0, 0, 0, 0]);
    expect(snapshot.activeTotal).toBe(0);
    const after = main.pick();
    expect(after).toBeGreaterThanOrEqual(0);
    main.release(after);
  });

  it('keeps least-connections balanced across threads while connections are held', async () => {
    const name = `${poolName}-held`;
    const main = createPool({
      name,
      algorithm: 'least-connections',
      backends: [{ address: '127.0.0.1:9101' }, { address: '127.0.0.1:9102' }],
    });
    try {
      const held = Array.from({ length: 101 }, () => main.pick());
      const counts = main.snapshot().backends.map((backend) => backend.activeConnections);
      expect(Math.abs((counts[0] ?? 0) - (counts[1] ?? 0))).toBe(1);
      for (const index of held) main.release(index);
    } finally {
      destroyPool(name);
    }
  });
});
