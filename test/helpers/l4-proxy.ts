// Starts a Fulcrum TCP proxy in the test process over a fresh pool of the given backends.
import { type Algorithm, createPool, destroyPool } from '../../src/balance/index.js';
import { type DrainResult, startTcpProxy, type TcpProxy, type TcpProxyOptions } from '../../src/l4/index.js';

let poolCount = 0;

export interface TestProxy extends TcpProxy {
  /** Warnings the native threads reported. */
  events: string[];
}

export async function startTestProxy(
  backends: string[],
  algorithm: Algorithm = 'round-robin',
  options: Partial<Omit<TcpProxyOptions, 'poolName'>> = {},
): Promise<TestProxy> {
  poolCount += 1;
  const poolName = `l4-test-${process.pid}-${poolCount}`;
  createPool({ name: poolName, algorithm, backends: backends.map((address) => ({ address })) });
  const events: string[] = [];
  const proxy = await startTcpProxy({
    listen: { host: '127.0.0.1', port: 0 },
    poolName,
    workers: 2,
    connectTimeoutMs: 2_000,
    idleTimeoutMs: 30_000,
    onEvent: (message) => events.push(message),
    ...options,
  });
  // The listener holds the native pool itself; dropping the name once it is closed keeps the registry small.
  const close = async (): Promise<DrainResult> => {
    const result = await proxy.close();
    destroyPool(poolName);
    return result;
  };
  return { ...proxy, close, events };
}
