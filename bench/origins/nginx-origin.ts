// The HTTP origin when nginx is installed: static files and fixed replies on several ports, never the bottleneck.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nginxHttpHousekeeping, nginxMainContext, nginxStartCommand } from '../contenders/nginx.js';
import { freePort } from '../processes/free-port.js';
import { startServerProcess } from '../processes/server-process.js';
import type { RunningOrigin } from './origin.js';
import { LARGE_RESPONSES, SMALL_BODY, SMALL_PATH, UPLOAD_PATH, UPLOAD_REPLY } from './payloads.js';

export async function startNginxOrigin(binary: string, workDir: string, workers: number, portCount: number): Promise<RunningOrigin> {
  const root = join(workDir, 'www');
  mkdirSync(root, { recursive: true });
  for (const response of LARGE_RESPONSES) writeFileSync(join(root, response.path.slice(1)), Buffer.alloc(response.bytes, 'x'));
  const ports = await Promise.all(Array.from({ length: portCount }, freePort));
  const config = [
    ...nginxMainContext(workDir, workers),
    'http {',
    ...nginxHttpHousekeeping(workDir),
    'sendfile on;',
    'tcp_nopush on;',
    'default_type application/octet-stream;',
    'server {',
    ...ports.map((port) => `listen 127.0.0.1:${port} backlog=4096;`),
    `root ${root};`,
    // nginx reads "\n" inside a quoted string as a newline, as JSON writes it.
    `location = ${SMALL_PATH} { default_type text/plain; return 200 ${JSON.stringify(SMALL_BODY)}; }`,
    // `return` makes nginx read and discard the body before it answers, so the upload is really received.
    `location = ${UPLOAD_PATH} { default_type text/plain; return 200 ${JSON.stringify(UPLOAD_REPLY)}; }`,
    '}',
    '}',
    '',
  ].join('\n');
  const configPath = join(workDir, 'nginx-origin.conf');
  writeFileSync(configPath, config);
  const [command, ...args] = nginxStartCommand(binary, workDir, configPath);
  const server = await startServerProcess({ command: command as string, args, readyPort: ports[ports.length - 1] as number });
  const version = /nginx\/(\S+)/.exec(spawnSync(binary, ['-v'], { encoding: 'utf8' }).stderr)?.[1] ?? '?';
  return { description: `nginx ${version} (${workers} worker${workers === 1 ? '' : 's'})`, ports, pid: server.pid, stop: server.stop };
}
