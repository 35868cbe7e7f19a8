// Runs the real `fulcrum` binary in http mode for L7 tests, and a small keep-alive HTTP client to talk to it.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CLI, type RunningProcess, startProcess } from './fulcrum-process.js';
import { freePort } from './origins.js';

/** One of the fronts that serve clients in http mode (FULCRUM_PROTOCOLS); `env` selects it. */
export interface FrontUnderTest {
  name: 'uws' | 'node';
  env: Record<string, string>;
}

/**
 * Both fronts, for tests of proxy behaviour that must hold on each: `describe.each(FRONTS)('... ($name)', ...)`.
 * uws: the default (http/1.1, uWebSockets.js); node: node:http and node:http2 (all).
 */
export const FRONTS: readonly FrontUnderTest[] = [
  { name: 'uws', env: {} },
  { name: 'node', env: { FULCRUM_PROTOCOLS: 'all' } },
];

export interface L7Proxy {
  port: number;
  url: string;
  process: RunningProcess;
  /** The YAML config file written from `file` (undefined without one): rewrite it and send SIGHUP to reload. */
  configPath?: string;
  /** Resident memory of the fulcrum process (all its threads), from /proc. */
  rssBytes(): number;
  stop(): Promise<void>;
}

/** Starts dist/cli.js with one worker unless `env` says otherwise; `file` becomes its YAML config. */
export async function startL7Proxy(env: Record<string, string>, file?: Record<string, unknown>): Promise<L7Proxy> {
  const port = await freePort();
  const fullEnv: Record<string, string> = {
    FULCRUM_LISTEN: `127.0.0.1:${port}`,
    FULCRUM_WORKERS: '1',
    FULCRUM_ADMIN_LISTEN: 'off',
    FULCRUM_HEALTH_CHECK: 'off',
    // info: the ready line "fulcrum is serving" is what startProcess waits for.
    FULCRUM_LOG_LEVEL: 'info',
    ...env,
  };
  if (file) {
    const path = join(mkdtempSync(join(tmpdir(), 'fulcrum-l7-')), 'fulcrum.yaml');
    writeFileSync(path, stringify(file));
    fullEnv.FULCRUM_CONFIG = path;
  }
  const running = await startProcess(CLI, [], fullEnv, 'fulcrum is serving');
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    process: running,
    ...(fullEnv.FULCRUM_CONFIG === undefined ? {} : { configPath: fullEnv.FULCRUM_CONFIG }),
    rssBytes: () => readRss(running.child.pid as number),
    async stop() {
      if (running.child.exitCode === null) running.child.kill('SIGTERM');
      const timer = setTimeout(() => running.child.kill('SIGKILL'), 5_000);
      await running.exited;
      clearTimeout(timer);
    },
  };
}

function readRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kilobytes * 1024;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 8 });

/** One request over a shared keep-alive agent (or a fresh connection with agent: false). */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: Agent | false } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? keepAlive },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}
