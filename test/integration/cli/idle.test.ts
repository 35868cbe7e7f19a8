// An idle Fulcrum is idle: its main thread wakes a few times a second, not on a 10 ms timer.
// Wake-ups are counted as the thread's voluntary context switches in /proc (Linux), which a busy
// machine does not inflate: each one is the thread going to sleep in epoll and being woken again.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { CLI, startForTest } from '../../helpers/fulcrum-process.js';
import { freePort, startOrigin } from '../../helpers/origins.js';

const cleanup = cleanupAfterEach();
/** Before: ~110 a second with the admin API on (prom-client's 10 ms lag sampler), ~11 with it off (passive poll). */
const MAX_WAKEUPS_PER_SECOND = 6;

function mainThreadWakeups(pid: number): number {
  const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
  return Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1]);
}

it('wakes its main thread at most a few times a second when no traffic comes', async () => {
  const origin = cleanup.add(await startOrigin('a'), (started) => started.close());
  const env = {
    FULCRUM_BACKENDS: origin.address,
    FULCRUM_LISTEN: `127.0.0.1:${await freePort()}`,
    FULCRUM_ADMIN_LISTEN: `127.0.0.1:${await freePort()}`,
    FULCRUM_HEALTH_CHECK: 'off',
    FULCRUM_WORKERS: '1',
  };
  const fulcrum = await startForTest(cleanup, CLI, [], env, 'fulcrum is serving');
  const pid = fulcrum.child.pid as number;
  // Start-up work (worker threads, first scrapes of nothing) settles first.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const before = mainThreadWakeups(pid);
  const seconds = 4;
  await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
  const perSecond = (mainThreadWakeups(pid) - before) / seconds;
  expect(perSecond).toBeLessThanOrEqual(MAX_WAKEUPS_PER_SECOND);
});
