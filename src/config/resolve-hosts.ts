// Resolves backend host names to numeric addresses once at start: the native table connects by IP.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { FulcrumError } from '../errors.js';
import { formatHostPort } from './parsers.js';
import type { BackendConfig, PoolConfig } from './types.js';

export interface ResolvedBackend extends BackendConfig {
  /** Numeric IPv4 or IPv6 address. */
  ip: string;
}

export interface ResolvedPool extends Omit<PoolConfig, 'backends'> {
  backends: ResolvedBackend[];
}

async function resolveBackend(backend: BackendConfig, pool: string): Promise<ResolvedBackend> {
  if (isIP(backend.host)) return { ...backend, ip: backend.host };
  try {
    const { address } = await lookup(backend.host);
    return { ...backend, ip: address };
  } catch (error) {
    throw new FulcrumError(
      'FULCRUM_ERR_CONFIG',
      `backend ${backend.address} of pool "${pool}" cannot be resolved (${(error as NodeJS.ErrnoException).code}); ` +
        'check the host name or use an IP address.',
    );
  }
}

/** Two names for one address (localhost:80 and 127.0.0.1:80) only show once resolved; the balancer refuses them. */
function refuseSameAddressTwice(pool: ResolvedPool): ResolvedPool {
  const seen = new Map<string, ResolvedBackend>();
  for (const backend of pool.backends) {
    const key = `${backend.ip}:${backend.port}`;
    const first = seen.get(key);
    if (first) {
      throw new FulcrumError(
        'FULCRUM_ERR_CONFIG',
        `backends ${first.address} and ${backend.address} of pool "${pool.name}" both resolve to ${formatHostPort({ host: backend.ip, port: backend.port })}; list each backend once.`,
      );
    }
    seen.set(key, backend);
  }
  return pool;
}

export async function resolvePools(pools: PoolConfig[]): Promise<ResolvedPool[]> {
  return Promise.all(
    pools.map(async (pool) =>
      refuseSameAddressTwice({
        ...pool,
        backends: await Promise.all(pool.backends.map((backend) => resolveBackend(backend, pool.name))),
      }),
    ),
  );
}
