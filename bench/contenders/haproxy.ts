// HAProxy in `mode http` and `mode tcp`, in the foreground, with a config the suite writes to a private folder.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openFilesLimit } from '../measure/open-files-limit.js';
import { HASH_HEADER } from '../origins/payloads.js';
import { findBinary } from '../processes/find-binary.js';
import { startServerProcess } from '../processes/server-process.js';
import type { ProxyLayer } from '../scenarios.js';
import type { Contender, ContenderSetup } from './contender.js';
import { haproxyEdgeLines } from './edge-features.js';

/** HAProxy refuses to start when maxconn needs more descriptors than it may open (two per proxied connection). */
function maxConnections(): number {
  return Math.min(100_000, Math.floor((openFilesLimit() ?? 200_000) / 2) - 500);
}

function haproxyConfig(layer: ProxyLayer, setup: ContenderSetup): string {
  const grpc = setup.clientProtocol === 'grpc';
  const balance = setup.balance === 'hash-header' ? [`balance hdr(${HASH_HEADER})`, 'hash-type consistent'] : ['balance roundrobin'];
  // http-reuse always shares idle upstream connections across clients, as NGINX's keepalive pool and Fulcrum's do.
  const httpOnly = layer === 'http' ? ['http-reuse always'] : [];
  // The forwarding headers Fulcrum adds by default, so every L7 contender does the same work per request.
  const forwarding =
    layer === 'http'
      ? [
          'option forwardfor',
          'http-request set-header X-Forwarded-Proto http',
          'http-request set-header X-Forwarded-Host %[req.hdr(host)]',
          'http-request set-header Forwarded "for=%[src];proto=http;host=\\"%[req.hdr(host)]\\""',
        ]
      : [];
  return [
    'global',
    `  nbthread ${setup.workers}`,
    `  maxconn ${maxConnections()}`,
    `  pidfile ${join(setup.workDir, 'haproxy.pid')}`,
    '',
    'defaults',
    `  mode ${layer}`,
    '  timeout connect 5s',
    '  timeout client 120s',
    '  timeout server 120s',
    `  maxconn ${maxConnections()}`,
    '',
    'frontend bench_in',
    // proto h2: HTTP/2 by prior knowledge on a cleartext bind (HAProxy then refuses HTTP/1.1 there).
    `  bind 127.0.0.1:${setup.listenPort}${setup.clientProtocol === 'http/1.1' ? '' : ' proto h2'}`,
    ...forwarding.map((line) => `  ${line}`),
    ...(setup.edge ? haproxyEdgeLines(setup.edge) : []).map((line) => `  ${line}`),
    '  default_backend bench_origins',
    '',
    'backend bench_origins',
    ...[...balance, ...httpOnly].map((line) => `  ${line}`),
    // For gRPC, proto h2 on the server line too: h2c to the origin, streams multiplexed on shared connections.
    ...setup.backendPorts.map((port, index) => `  server origin${index + 1} 127.0.0.1:${port}${grpc ? ' proto h2' : ''}`),
    '',
  ].join('\n');
}

function haproxy(layer: ProxyLayer): Contender {
  return {
    id: `haproxy-${layer}`,
    label: `HAProxy ${layer}`,
    layer,
    servesH2c: layer === 'http',
    servesGrpc: layer === 'http',
    missingReason: () => (findBinary('haproxy') ? null : 'haproxy is not installed (apt-get install haproxy)'),
    async start(setup) {
      const configPath = join(setup.workDir, 'haproxy.cfg');
      writeFileSync(configPath, haproxyConfig(layer, setup));
      // -db keeps HAProxy in the foreground so the suite owns the process and its pid.
      const server = await startServerProcess({
        command: findBinary('haproxy') as string,
        args: ['-db', '-f', configPath],
        readyPort: setup.listenPort,
      });
      return { port: setup.listenPort, ...server };
    },
  };
}

export const haproxyHttp = haproxy('http');
export const haproxyTcp = haproxy('tcp');
