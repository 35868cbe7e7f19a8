// Micro-benchmark of the balancer from JS: pick + release through the TS Pool and the bare N-API handle.

import { createPool, destroyPool } from '../../dist/balance/index.js';
import { native } from '../../dist/native/load.js';

const operations = 2_000_000;
const algorithms = ['round-robin', 'weighted-round-robin', 'least-connections', 'weighted-least-connections', 'power-of-two'];
const keys = Array.from({ length: 4096 }, (_, key) => `session-${key * 2654435761}`);
const bufferKeys = keys.map((key) => Buffer.from(key));
const backends = Array.from({ length: 10 }, (_, position) => ({ address: `10.0.0.${position + 1}:80`, weight: 1 + (position % 3) }));

function nanosecondsPer(run) {
  run(operations / 4); // warm up: let V8 optimize the loop and the call site
  const started = process.hrtime.bigint();
  run(operations);
  return Number(process.hrtime.bigint() - started) / operations;
}

function row(label, pool, handle, keyList) {
  const viaPool = nanosecondsPer((count) => {
    for (let operation = 0; operation < count; operation += 1) {
      pool.release(pool.pick(keyList?.[operation & 4095]));
    }
  });
  const viaHandle = nanosecondsPer((count) => {
    for (let operation = 0; operation < count; operation += 1) {
      handle.release(handle.pick(keyList?.[operation & 4095], undefined), 0);
    }
  });
  console.log(`| ${label.padEnd(40)} | ${viaPool.toFixed(0).padStart(5)} | ${viaHandle.toFixed(0).padStart(5)} |`);
}

console.log('JS pick + release, 10 backends, one thread (ns per pair)\n');
console.log('| picker | TS Pool | raw N-API handle |\n|---|---|---|');
const cases = [
  ...algorithms.map((algorithm) => ({ label: algorithm, options: { algorithm }, keyList: undefined })),
  { label: 'consistent-hash maglev, string key', options: { algorithm: 'consistent-hash' }, keyList: keys },
  { label: 'consistent-hash maglev, Buffer key', options: { algorithm: 'consistent-hash' }, keyList: bufferKeys },
  { label: 'consistent-hash ketama, string key', options: { algorithm: 'consistent-hash', ringKind: 'ketama' }, keyList: keys },
];
for (const [position, { label, options, keyList }] of cases.entries()) {
  const name = `bench-${position}`;
  const pool = createPool({ name, backends, ...options });
  row(label, pool, native.balancer.openPool(name), keyList);
  destroyPool(name);
}
