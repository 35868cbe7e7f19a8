// Real NGINX and HAProxy on 127.0.0.1 in front of a Fulcrum port, each with a minimal config in a private
// folder, in the foreground (the test owns the process), for tests of how Fulcrum meets other proxies.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from '../../bench/processes/find-binary.js';
import { type ServerProcess, startServerProcess } from '../../bench/processes/server-process.js';
import { freePort } from './origins.js';

export interface FrontProxy {
  port: number;
  url: string;
  process: ServerProcess;
  /** HAProxy's stats socket (level user), for `show stat`; null for NGINX. */
  statsSocket: string | null;
}

function binary(name: string): string {
  const found = findBinary(name);
  if (!found) throw new Error(`${name} is not installed (apt-get install ${name}; .ci/apt-packages lists it)`);
  return found;
}

/**
 * NGINX proxying every request to 127.0.0.1:`upstreamPort` with its defaults (proxy_http_version 1.0,
 * Connection: close) apart from short timeouts, so an upstream that never answers fails in seconds.
 */
export async function startNginx(upstreamPort: number): Promise<FrontProxy> {
  const folder = mkdtempSync(join(tmpdir(), 'fulcrum-nginx-'));
  const temp = join(folder, 'temp');
  mkdirSync(temp);
  const port = await freePort();
  const config = [
    'daemon off;',
    // One process as the current user: no workers handed to "nobody", who could not read the folder.
    'master_process off;',
    `pid ${join(folder, 'nginx.pid')};`,
    `error_log ${join(folder, 'error.log')} warn;`,
    'events { worker_connections 64; }',
    'http {',
    'access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${join(temp, kind)};`),
    'server {',
    `listen 127.0.0.1:${port};`,
    'location / {',
    `proxy_pass http://127.0.0.1:${upstreamPort};`,
    'proxy_connect_timeout 3s;',
    'proxy_send_timeout 3s;',
    'proxy_read_timeout 3s;',
    '}',
    '}',
    '}',
  ];
  const configPath = join(folder, 'nginx.conf');
  writeFileSync(configPath, `${config.join('\n')}\n`);
  // -e: the error log before the config is read, which would otherwise be /var/log/nginx/error.log.
  const args = ['-p', folder, '-c', configPath, '-e', join(folder, 'error.log')];
  const server = await startServerProcess({ command: binary('nginx'), args, readyPort: port });
  return { port, url: `http://127.0.0.1:${port}`, process: server, statsSocket: null };
}

/** HAProxy in mode http with one server, 127.0.0.1:`upstreamPort`, health-checked by `option httpchk` every 200 ms. */
export async function startHaproxy(upstreamPort: number): Promise<FrontProxy> {
  const folder = mkdtempSync(join(tmpdir(), 'fulcrum-haproxy-'));
  const port = await freePort();
  const statsSocket = join(folder, 'stats.sock');
  const config = [
    'global',
    `  stats socket ${statsSocket} mode 600 level user`,
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 5s',
    '  timeout server 5s',
    '  timeout check 1s',
    'frontend in',
    `  bind 127.0.0.1:${port}`,
    '  default_backend fulcrum',
    'backend fulcrum',
    // Without arguments: `OPTIONS / HTTP/1.0`, the check HAProxy has always sent.
    '  option httpchk',
    `  server fulcrum 127.0.0.1:${upstreamPort} check inter 200ms fall 1 rise 1`,
  ];
  const configPath = join(folder, 'haproxy.cfg');
  writeFileSync(configPath, `${config.join('\n')}\n`);
  const server = await startServerProcess({ command: binary('haproxy'), args: ['-db', '-f', configPath], readyPort: port });
  return { port, url: `http://127.0.0.1:${port}`, process: server, statsSocket };
}

/** One command on HAProxy's stats socket, answered in full (HAProxy closes after answering). */
export function haproxyCommand(statsSocket: string, command: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path: statsSocket }, () => socket.write(`${command}\n`));
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`HAProxy did not answer "${command}" within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

/** The `show stat` row of one server, by column name (status, check_status, check_code, ...). */
export async function haproxyServerStat(statsSocket: string, backend: string, server: string): Promise<Record<string, string>> {
  const [header = '', ...rows] = (await haproxyCommand(statsSocket, 'show stat')).trim().split('\n');
  const names = header.replace(/^# /, '').split(',');
  for (const row of rows) {
    const values = row.split(',');
    if (values[0] === backend && values[1] === server) return Object.fromEntries(names.map((name, index) => [name, values[index] ?? '']));
  }
  throw new Error(`no server ${backend}/${server} in HAProxy's show stat`);
}
