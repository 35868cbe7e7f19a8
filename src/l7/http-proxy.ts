// Main-thread side of the L7 engine: starts one long-lived serve task per piscina worker and drains them.
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { FulcrumConfig, PoolConfig } from '../config/types.js';
import { FulcrumError } from '../errors.js';
import { CONTROL_CHANNEL, STATUS_CHANNEL, type ControlMessage, type StatusMessage } from './channels.js';
import type { ServeSummary, ServeTask } from './serve-task.js';
import type { UpstreamSettings } from './worker-pool.js';

// Always the compiled task: piscina workers run plain JavaScript, also when this module is imported from src/ in tests.
const SERVE_TASK = fileURLToPath(new URL('../../dist/l7/serve-task.js', import.meta.url));

export interface HttpProxy {
  /** Stops accepting, lets in-flight requests finish up to the deadline, then stops the workers. */
  drain(deadlineMs: number): Promise<ServeSummary[]>;
}

const UPSTREAM_DEFAULTS: UpstreamSettings = { maxSocketsPerBackend: 256, connectTimeoutMs: 2_000, idleTimeoutMs: 60_000 };

export async function startHttpProxy(config: FulcrumConfig, pools: PoolConfig[]): Promise<HttpProxy> {
  const workers = config.workers;
  const piscina = new Piscina({
    filename: SERVE_TASK,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: 1,
    idleTimeout: Infinity,
    atomics: 'disabled',
  });
  const task: ServeTask = {
    host: config.listen.host,
    port: config.listen.port,
    routes: config.routes,
    upstream: UPSTREAM_DEFAULTS,
    pools: pools.map((pool) => ({
      name: pool.name,
      hashKey: pool.hashKey,
      usesKey: pool.algorithm === 'consistent-hash',
    })),
  };
  const status = new BroadcastChannel(STATUS_CHANNEL);
  const listening = new Promise<void>((resolve) => {
    let count = 0;
    status.onmessage = (event: { data: StatusMessage }) => {
      if (event.data.type === 'listening' && ++count === workers) resolve();
    };
  });
  const tasks = Array.from({ length: workers }, () => piscina.run(task) as Promise<ServeSummary>);
  const firstFailure = Promise.race(tasks).then(
    () => {
      throw new Error('an L7 worker stopped before it was asked to');
    },
    (error: Error) => {
      throw error;
    },
  );
  try {
    await Promise.race([listening, firstFailure]);
  } catch (error) {
    status.close();
    await piscina.destroy();
    throw new FulcrumError('FULCRUM_ERR_LISTEN', `${(error as Error).message}; set FULCRUM_LISTEN to a free address.`);
  } finally {
    firstFailure.catch(() => undefined);
  }
  status.close();

  return {
    async drain(deadlineMs: number) {
      const control = new BroadcastChannel(CONTROL_CHANNEL);
      control.postMessage({ type: 'drain', deadlineMs } satisfies ControlMessage);
      const summaries = await Promise.all(tasks);
      control.close();
      await piscina.destroy();
      return summaries;
    },
  };
}
