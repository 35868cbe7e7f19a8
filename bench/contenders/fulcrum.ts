// Fulcrum itself, as a user runs it: `node dist/cli.js` configured only through FULCRUM_* variables.
import { existsSync } from 'node:fs';
import { HASH_HEADER } from '../origins/payloads.js';
import { FULCRUM_CLI } from '../paths.js';
import { startServerProcess } from '../processes/server-process.js';
import type { ProxyLayer } from '../scenarios.js';
import type { Contender } from './contender.js';

/** The L7 front (FULCRUM_PROTOCOLS): uWS for HTTP/1.1 only, or node:http + node:http2 for everything. */
type Front = 'http/1.1' | 'all';

interface FulcrumVariant {
  /** Scales the suite's thread count: 2 shows what a second L7 worker buys. */
  workerFactor?: number;
  /** http mode only; set explicitly so the ids keep their meaning whatever the default front is. */
  front?: Front;
}

function fulcrum(layer: ProxyLayer, { workerFactor = 1, front = 'http/1.1' }: FulcrumVariant = {}): Contender {
  const suffix = workerFactor === 1 ? '' : `-x${workerFactor}`;
  const completeFront = layer === 'http' && front === 'all';
  return {
    id: completeFront ? `fulcrum-all${suffix}` : `fulcrum-${layer}${suffix}`,
    label: `Fulcrum ${layer}${completeFront ? ' (node:http/http2 front)' : ''}${workerFactor === 1 ? '' : `, ${workerFactor}× workers`}`,
    layer,
    servesH2c: completeFront,
    missingReason: () => (existsSync(FULCRUM_CLI) ? null : `${FULCRUM_CLI} is missing; run "npm run build"`),
    async start(setup) {
      const hashed = setup.balance === 'hash-header';
      const server = await startServerProcess({
        command: process.execPath,
        args: [FULCRUM_CLI],
        env: {
          FULCRUM_MODE: layer,
          ...(layer === 'http' ? { FULCRUM_PROTOCOLS: front } : {}),
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
export const fulcrumHttpDoubleWorkers = fulcrum('http', { workerFactor: 2 });
/** The complete front (FULCRUM_PROTOCOLS=all): HTTP/1.0, pipelining, h2c; compared with the uWS front above. */
export const fulcrumAll = fulcrum('http', { front: 'all' });
export const fulcrumTcp = fulcrum('tcp');
