// Fulcrum itself, as a user runs it: `node dist/cli.js` configured only through FULCRUM_* variables.
import { existsSync } from 'node:fs';
import { HASH_HEADER } from '../origins/payloads.js';
import { FULCRUM_CLI } from '../paths.js';
import { startServerProcess } from '../processes/server-process.js';
import type { ProxyLayer } from '../scenarios.js';
import type { Contender } from './contender.js';

/** `workerFactor` scales the suite's thread count: 2 shows what a second L7 worker buys. */
function fulcrum(layer: ProxyLayer, workerFactor = 1): Contender {
  const suffix = workerFactor === 1 ? '' : `-x${workerFactor}`;
  return {
    id: `fulcrum-${layer}${suffix}`,
    label: `Fulcrum ${layer}${workerFactor === 1 ? '' : `, ${workerFactor}× workers`}`,
    layer,
    missingReason: () => (existsSync(FULCRUM_CLI) ? null : `${FULCRUM_CLI} is missing; run "npm run build"`),
    async start(setup) {
      const hashed = setup.balance === 'hash-header';
      const server = await startServerProcess({
        command: process.execPath,
        args: [FULCRUM_CLI],
        env: {
          FULCRUM_MODE: layer,
          FULCRUM_BACKENDS: setup.backendPorts.map((port) => `127.0.0.1:${port}`).join(','),
          FULCRUM_LISTEN: `127.0.0.1:${setup.listenPort}`,
          FULCRUM_WORKERS: String(setup.workers * workerFactor),
          FULCRUM_ADMIN_LISTEN: 'off',
          FULCRUM_LOG_LEVEL: 'warn',
          FULCRUM_ALGORITHM: hashed ? 'consistent-hash' : 'round-robin',
          ...(hashed ? { FULCRUM_HASH_KEY: `header:${HASH_HEADER}` } : {}),
        },
        readyPort: setup.listenPort,
      });
      return { port: setup.listenPort, ...server };
    },
  };
}

export const fulcrumHttp = fulcrum('http');
export const fulcrumHttpDoubleWorkers = fulcrum('http', 2);
export const fulcrumTcp = fulcrum('tcp');
