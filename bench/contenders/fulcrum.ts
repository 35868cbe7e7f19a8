// Fulcrum itself, as a user runs it: `node dist/cli.js` configured through FULCRUM_* variables (and, for gRPC, the
// config file that declares the h2c pool).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HASH_HEADER, UNARY_PATH } from '../origins/payloads.js';
import { FULCRUM_CLI } from '../paths.js';
import { startServerProcess } from '../processes/server-process.js';
import type { ProxyLayer } from '../scenarios.js';
import type { Contender, ContenderSetup } from './contender.js';
import { fulcrumEdgeConfig } from './edge-features.js';

/** The L7 front (FULCRUM_PROTOCOLS): uWS for HTTP/1.1 only, or node:http + node:http2 for everything. */
type Front = 'http/1.1' | 'all';

interface FulcrumVariant {
  /** Scales the suite's thread count: 2 shows what a second L7 worker buys. */
  workerFactor?: number;
  /** http mode only; set explicitly so the ids keep their meaning whatever the default front is. */
  front?: Front;
  /** The baseline of the edge scenarios: their access rule or rate limit left off. */
  edgeBaseline?: boolean;
}

/**
 * gRPC needs HTTP/2 to the backends, which only a config-file pool can ask for: `protocol: h2c`, with a route by
 * the gRPC service's path prefix (how gRPC routing is configured) to that pool.
 */
function writeGrpcConfig(setup: ContenderSetup): string {
  const path = join(setup.workDir, 'fulcrum-grpc.json');
  const service = UNARY_PATH.slice(0, UNARY_PATH.lastIndexOf('/') + 1);
  const config = {
    pools: {
      grpc: {
        backends: setup.backendPorts.map((port) => `127.0.0.1:${port}`),
        protocol: 'h2c',
      },
    },
    routes: [{ match: { pathPrefix: service }, pool: 'grpc' }],
  };
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
  return path;
}

/** An edge scenario's access rule or rate limit, as a config file at the top level (every request). */
function writeEdgeConfig(setup: ContenderSetup): string {
  const path = join(setup.workDir, 'fulcrum-edge.json');
  writeFileSync(path, `${JSON.stringify(fulcrumEdgeConfig(setup.edge as NonNullable<ContenderSetup['edge']>), null, 2)}\n`);
  return path;
}

function startFulcrum(env: Record<string, string>, readyPort: number, layer: ProxyLayer) {
  return startServerProcess({
    command: process.execPath,
    args: [FULCRUM_CLI],
    env,
    readyPort,
    readyProtocol: layer === 'udp' ? 'udp' : 'tcp',
  });
}

/** A build from before UDP mode refuses FULCRUM_MODE=udp; say so in the row's first line, not "see --help". */
async function startedOrExplained(layer: ProxyLayer, started: ReturnType<typeof startFulcrum>): ReturnType<typeof startFulcrum> {
  try {
    return await started;
  } catch (error) {
    const refused = /FULCRUM_MODE="udp" is invalid[^\n]*/.exec((error as Error).message)?.[0];
    if (layer !== 'udp' || !refused) throw error;
    throw new Error(`this Fulcrum build has no UDP mode (${refused}); build a Fulcrum with FULCRUM_MODE=udp (npm run build)`);
  }
}

/** UDP mode's own settings: DNS flows end at their one reply, as NGINX's proxy_responses 1. */
function udpSettings(setup: ContenderSetup): Record<string, string> {
  return setup.clientProtocol === 'dns' ? { FULCRUM_UDP_RESPONSES: '1' } : {};
}

function fulcrum(layer: ProxyLayer, { workerFactor = 1, front = 'http/1.1', edgeBaseline = false }: FulcrumVariant = {}): Contender {
  const suffix = `${workerFactor === 1 ? '' : `-x${workerFactor}`}${edgeBaseline ? '-bare' : ''}`;
  const completeFront = layer === 'http' && front === 'all';
  return {
    id: completeFront ? `fulcrum-all${suffix}` : `fulcrum-${layer}${suffix}`,
    label: `Fulcrum ${layer}${completeFront ? ' (node:http/http2 front)' : ''}${workerFactor === 1 ? '' : `, ${workerFactor}× workers`}${edgeBaseline ? ', no rules' : ''}`,
    layer,
    edgeBaseline,
    servesH2c: completeFront,
    servesGrpc: completeFront,
    missingReason: () => (existsSync(FULCRUM_CLI) ? null : `${FULCRUM_CLI} is missing; run "npm run build"`),
    async start(setup) {
      const hashed = setup.balance === 'hash-header';
      const server = await startedOrExplained(
        layer,
        startFulcrum(
          {
            FULCRUM_MODE: layer,
            ...(layer === 'http' ? { FULCRUM_PROTOCOLS: front } : {}),
            FULCRUM_BACKENDS: setup.backendPorts.map((port) => `127.0.0.1:${port}`).join(','),
            FULCRUM_LISTEN: `127.0.0.1:${setup.listenPort}`,
            FULCRUM_WORKERS: String(setup.workers * workerFactor),
            FULCRUM_ADMIN_LISTEN: 'off',
            FULCRUM_LOG_LEVEL: 'warn',
            FULCRUM_ALGORITHM: hashed ? 'consistent-hash' : 'round-robin',
            ...(hashed ? { FULCRUM_HASH_KEY: `header:${HASH_HEADER}` } : {}),
            ...(setup.clientProtocol === 'grpc' ? { FULCRUM_CONFIG: writeGrpcConfig(setup) } : {}),
            ...(setup.edge ? { FULCRUM_CONFIG: writeEdgeConfig(setup) } : {}),
            ...(layer === 'udp' ? udpSettings(setup) : {}),
          },
          setup.listenPort,
          layer,
        ),
      );
      return { port: setup.listenPort, ...server };
    },
  };
}

export const fulcrumHttp = fulcrum('http');
export const fulcrumHttpDoubleWorkers = fulcrum('http', { workerFactor: 2 });
/** Fulcrum http with the edge scenarios' rules left off: what their cost is measured against. */
export const fulcrumHttpBare = fulcrum('http', { edgeBaseline: true });
/** The complete front (FULCRUM_PROTOCOLS=all): HTTP/1.0, pipelining, h2c; compared with the uWS front above. */
export const fulcrumAll = fulcrum('http', { front: 'all' });
export const fulcrumTcp = fulcrum('tcp');
export const fulcrumUdp = fulcrum('udp');
