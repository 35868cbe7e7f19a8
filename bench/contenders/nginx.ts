// NGINX as an HTTP proxy (upstream keepalive) and as a stream (L4) proxy, `daemon off`, files in a private folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { openFilesLimit } from '../measure/open-files-limit.js';
import { HASH_HEADER, MAX_UPLOAD_BYTES } from '../origins/payloads.js';
import { findBinary } from '../processes/find-binary.js';
import { startServerProcess } from '../processes/server-process.js';
import type { ProxyLayer } from '../scenarios.js';
import type { Contender, ContenderSetup } from './contender.js';
import { nginxEdgeLines } from './edge-features.js';

// A proxied connection takes two descriptors; stay within the limit nginx inherits.
const CONNECTIONS_PER_WORKER = Math.min(65_536, Math.floor((openFilesLimit() ?? 131_072) / 2));

/** The lines every nginx config of the suite starts with: foreground, private pid/log/temp files. */
export function nginxMainContext(workDir: string, workers: number): string[] {
  // Started as root, nginx would hand its workers to "nobody", who cannot read the private folder.
  const user = process.getuid?.() === 0 ? [`user ${userInfo().username};`] : [];
  return [
    'daemon off;',
    'master_process on;',
    ...user,
    `worker_processes ${workers};`,
    `pid ${join(workDir, 'nginx.pid')};`,
    `error_log ${join(workDir, 'error.log')} warn;`,
    `events { worker_connections ${CONNECTIONS_PER_WORKER}; }`,
  ];
}

/** Lines inside `http {}` that keep temp files in the private folder and lift limits the other servers lack. */
export function nginxHttpHousekeeping(workDir: string): string[] {
  const temp = join(workDir, 'temp');
  mkdirSync(temp, { recursive: true });
  return [
    'access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${join(temp, kind)};`),
    // nginx closes a client connection after 1000 requests by default; the other contenders do not.
    'keepalive_requests 1000000;',
    'keepalive_timeout 120s;',
    `client_max_body_size ${MAX_UPLOAD_BYTES};`,
  ];
}

export function nginxStartCommand(binary: string, workDir: string, configPath: string): string[] {
  return [binary, '-p', workDir, '-c', configPath, '-e', join(workDir, 'error.log')];
}

/** Lines that make the stream module available: none when built in, a load_module when dynamic, null when absent. */
function streamModuleLines(binary: string): string[] | null {
  const buildFlags = spawnSync(binary, ['-V'], { encoding: 'utf8' }).stderr;
  if (/--with-stream(\s|$)/.test(buildFlags)) return [];
  const modulesPath = /--modules-path=(\S+)/.exec(buildFlags)?.[1] ?? '/usr/lib/nginx/modules';
  const module = join(modulesPath, 'ngx_stream_module.so');
  return buildFlags.includes('--with-stream=dynamic') && existsSync(module) ? [`load_module ${module};`] : null;
}

function upstreamBlock(setup: ContenderSetup, layer: ProxyLayer): string[] {
  const hash = setup.balance === 'hash-header' ? [`hash $http_${HASH_HEADER.replaceAll('-', '_')} consistent;`] : [];
  const keepalive = layer === 'http' ? ['keepalive 256;', 'keepalive_requests 1000000;'] : [];
  return ['upstream bench_origins {', ...hash, ...setup.backendPorts.map((port) => `server 127.0.0.1:${port};`), ...keepalive, '}'];
}

/** The forwarding headers Fulcrum adds by default, so every L7 contender does the same work per request. */
function forwardingHeaders(directive: 'proxy_set_header' | 'grpc_set_header'): string[] {
  return [
    `${directive} X-Forwarded-For $proxy_add_x_forwarded_for;`,
    `${directive} X-Forwarded-Proto $scheme;`,
    `${directive} X-Forwarded-Host $host;`,
    `${directive} Forwarded "for=$remote_addr;proto=$scheme;host=\\"$host\\"";`,
  ];
}

function httpLocation(setup: ContenderSetup): string[] {
  if (setup.clientProtocol === 'grpc') {
    // grpc_pass speaks h2c upstream, one call per upstream connection at a time (NGINX does not multiplex there),
    // kept alive in the upstream's keepalive pool.
    return ['grpc_pass grpc://bench_origins;', ...forwardingHeaders('grpc_set_header')];
  }
  return [
    'proxy_pass http://bench_origins;',
    'proxy_http_version 1.1;',
    'proxy_set_header Connection "";',
    ...forwardingHeaders('proxy_set_header'),
    'proxy_request_buffering off;',
  ];
}

/** A stream server's body; for UDP, DNS flows end at their one reply and other flows at NGINX's default timeout. */
function streamServer(layer: ProxyLayer, setup: ContenderSetup): string[] {
  if (layer === 'tcp') return [`listen 127.0.0.1:${setup.listenPort} backlog=4096;`, 'proxy_pass bench_origins;'];
  const responses = setup.clientProtocol === 'dns' ? ['proxy_responses 1;'] : [];
  return [`listen 127.0.0.1:${setup.listenPort} udp;`, 'proxy_pass bench_origins;', ...responses];
}

function nginxConfig(layer: ProxyLayer, setup: ContenderSetup, moduleLines: string[]): string {
  // nginx 1.22 has no `http2 on;`: `listen ... http2` on a plain port is HTTP/2 by prior knowledge only (no HTTP/1.1 there).
  const http2 = setup.clientProtocol === 'http/1.1' ? '' : ' http2';
  const listen = `listen 127.0.0.1:${setup.listenPort}${http2} backlog=4096;`;
  const edge = setup.edge ? nginxEdgeLines(setup.edge) : { http: [], server: [] };
  const block =
    layer === 'http'
      ? ['http {', ...nginxHttpHousekeeping(setup.workDir), ...edge.http, ...upstreamBlock(setup, layer), 'server {', listen]
          .concat(edge.server)
          .concat(['location / {'])
          .concat(httpLocation(setup))
          .concat(['}', '}', '}'])
      : ['stream {', ...upstreamBlock(setup, layer), 'server {', ...streamServer(layer, setup), '}', '}'];
  return [...moduleLines, ...nginxMainContext(setup.workDir, setup.workers), ...block, ''].join('\n');
}

function nginx(layer: ProxyLayer): Contender {
  const moduleLines = () => {
    const binary = findBinary('nginx');
    if (!binary) return null;
    return layer === 'http' ? [] : streamModuleLines(binary);
  };
  return {
    id: { http: 'nginx-proxy', tcp: 'nginx-stream', udp: 'nginx-stream-udp' }[layer],
    label: { http: 'NGINX proxy', tcp: 'NGINX stream', udp: 'NGINX stream udp' }[layer],
    layer,
    servesH2c: layer === 'http',
    servesGrpc: layer === 'http',
    missingReason() {
      if (!findBinary('nginx')) return 'nginx is not installed (apt-get install nginx)';
      return moduleLines() ? null : 'nginx has no stream module (apt-get install libnginx-mod-stream)';
    },
    async start(setup) {
      const configPath = join(setup.workDir, 'nginx.conf');
      writeFileSync(configPath, nginxConfig(layer, setup, moduleLines() ?? []));
      const [command, ...args] = nginxStartCommand(findBinary('nginx') as string, setup.workDir, configPath);
      const server = await startServerProcess({
        command: command as string,
        args,
        readyPort: setup.listenPort,
        readyProtocol: layer === 'udp' ? 'udp' : 'tcp',
      });
      return { port: setup.listenPort, ...server };
    },
  };
}

export const nginxProxy = nginx('http');
export const nginxStream = nginx('tcp');
export const nginxStreamUdp = nginx('udp');
