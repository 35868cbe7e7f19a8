// `npm run bench:waf`: what the WAF (ModSecurity + OWASP CRS at paranoia 1, block mode) costs, in alternating
// rounds: small GETs (waf-get) and 10 KB JSON POSTs (waf-post) through Fulcrum without and with `waf`, and through
// NGINX without and with libnginx-mod-http-modsecurity and the same rules (skipped, with a note, without the module).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nginxHttpHousekeeping, nginxMainContext, nginxStartCommand } from './contenders/nginx.js';
import { readProcessTreeUsage } from './measure/process-usage.js';
import { startNginxOrigin } from './origins/nginx-origin.js';
import { SMALL_PATH, UPLOAD_PATH } from './origins/payloads.js';
import { FULCRUM_CLI, REPO_ROOT } from './paths.js';
import { findBinary } from './processes/find-binary.js';
import { freePort } from './processes/free-port.js';
import { type ServerProcess, startServerProcess, stopAllServerProcesses } from './processes/server-process.js';

const USAGE = `Usage: npm run bench:waf -- [--rounds <n>] [--duration <seconds>] [--connections <n>]
  --rounds <n>         alternating rounds (default 3)
  --duration <s>       measured seconds per contender, scenario and round (default 10), after a 2 s warm-up
  --connections <n>    wrk connections (default 8: a WAF takes milliseconds a request); one wrk thread, one Fulcrum worker / NGINX worker, one nginx origin`;

const MODSECURITY_MODULE = '/usr/lib/nginx/modules/ngx_http_modsecurity_module.so';
const HEADERS = {
  Host: 'shop.example.com',
  'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
  Accept: '*/*',
};

/** A JSON body of about 10 KB of ordinary records, as an API client would post. */
function jsonBody(): string {
  const items: unknown[] = [];
  while (JSON.stringify(items).length < 9_900)
    items.push({ id: items.length, name: `item ${items.length}`, price: items.length * 1.25, tags: ['a', 'b'] });
  return JSON.stringify({ order: 42, items });
}

const SCENARIOS = [
  { id: 'waf-get', method: 'GET', path: SMALL_PATH, body: null },
  { id: 'waf-post', method: 'POST', path: UPLOAD_PATH, body: jsonBody() },
] as const;

interface Contender {
  name: string;
  server: ServerProcess;
  port: number;
}

function wrkScript(path: string, scenario: (typeof SCENARIOS)[number]): string {
  const headers = { ...HEADERS, ...(scenario.body ? { 'Content-Type': 'application/json' } : {}) };
  const lines = [`wrk.method = "${scenario.method}"`, `wrk.path = "${scenario.path}"`];
  for (const [name, value] of Object.entries(headers)) lines.push(`wrk.headers["${name}"] = "${value}"`);
  if (scenario.body) lines.push(`wrk.body = [[${scenario.body}]]`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/**
 * Waits until the contender's CPU time stops growing: a WAF still working through requests that wrk gave up on
 * (a 10 KB JSON body takes libmodsecurity tens of milliseconds) would otherwise slow the next run.
 */
async function settle(pid: number): Promise<void> {
  let last = readProcessTreeUsage(pid).cpuSeconds;
  for (let waited = 0; waited < 60_000; waited += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = readProcessTreeUsage(pid).cpuSeconds;
    if (now - last < 0.02) return;
    last = now;
  }
}

/** One wrk run with the contender's whole process tree CPU time around it. */
function measure(wrk: string, script: string, contender: Contender, seconds: number, connections: number) {
  const before = readProcessTreeUsage(contender.server.pid).cpuSeconds;
  const run = spawnSync(
    wrk,
    ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '30s', '-s', script, `http://127.0.0.1:${contender.port}`],
    {
      encoding: 'utf8',
    },
  );
  const cpuSeconds = readProcessTreeUsage(contender.server.pid).cpuSeconds - before;
  const requestsPerSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(run.stdout)?.[1] ?? Number.NaN);
  const refused = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(run.stdout)?.[1] ?? 0);
  return { requestsPerSecond, cpuMicroseconds: (cpuSeconds * 1e6) / (requestsPerSecond * seconds), refused };
}

async function startFulcrum(workDir: string, origin: number[], waf: boolean): Promise<Contender> {
  const port = await freePort();
  const config = join(workDir, `fulcrum-${waf ? 'waf' : 'plain'}.json`);
  writeFileSync(
    config,
    JSON.stringify({ backends: origin.map((p) => `127.0.0.1:${p}`), ...(waf ? { waf: { mode: 'block', paranoia: 1 } } : {}) }),
  );
  const env = {
    FULCRUM_CONFIG: config,
    FULCRUM_LISTEN: `127.0.0.1:${port}`,
    FULCRUM_WORKERS: '1',
    FULCRUM_ADMIN_LISTEN: 'off',
    FULCRUM_LOG_LEVEL: 'warn',
  };
  const server = await startServerProcess({ command: process.execPath, args: [FULCRUM_CLI], env, readyPort: port, readyTimeoutMs: 30_000 });
  return { name: waf ? 'fulcrum+waf' : 'fulcrum', server, port };
}

/** NGINX with the same rules Fulcrum loads (Fulcrum's own directive text, from dist/config/waf.js). */
async function startNginx(nginx: string, workDir: string, origin: number[], waf: boolean): Promise<Contender> {
  const dir = join(workDir, waf ? 'nginx-waf' : 'nginx');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const wafLines: string[] = [];
  if (waf) {
    const { parseWaf } = (await import(join(REPO_ROOT, 'dist/config/waf.js'))) as {
      parseWaf: (...args: unknown[]) => { directives: string };
    };
    const { ConfigProblems } = (await import(join(REPO_ROOT, 'dist/config/problems.js'))) as {
      ConfigProblems: new () => { throwIfAny(): void };
    };
    const problems = new ConfigProblems();
    const config = parseWaf({ mode: 'block', paranoia: 1 }, 'waf', workDir, problems);
    problems.throwIfAny();
    writeFileSync(join(dir, 'modsecurity.conf'), `${config.directives}\n`);
    wafLines.push('modsecurity on;', `modsecurity_rules_file ${join(dir, 'modsecurity.conf')};`);
  }
  const lines = [
    ...(waf ? [`load_module ${MODSECURITY_MODULE};`] : []),
    ...nginxMainContext(dir, 1),
    'http {',
    ...nginxHttpHousekeeping(dir),
    `upstream origin { ${origin.map((p) => `server 127.0.0.1:${p};`).join(' ')} keepalive 256; }`,
    `server { listen 127.0.0.1:${port}; ${wafLines.join(' ')}`,
    '  location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }',
    '}',
    '}',
  ];
  const configPath = join(dir, 'nginx.conf');
  writeFileSync(configPath, `${lines.join('\n')}\n`);
  const [command, ...args] = nginxStartCommand(nginx, dir, configPath);
  const server = await startServerProcess({ command: command as string, args, readyPort: port, readyTimeoutMs: 30_000 });
  return { name: waf ? 'nginx+modsecurity' : 'nginx', server, port };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { rounds: { type: 'string' }, duration: { type: 'string' }, connections: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) return void console.log(USAGE);
  const rounds = Number(values.rounds ?? 3);
  const seconds = Number(values.duration ?? 10);
  const connections = Number(values.connections ?? 8);
  const wrk = findBinary('wrk');
  const nginx = findBinary('nginx');
  if (!wrk || !nginx) throw new Error('bench:waf needs wrk and nginx (apt-get install wrk nginx)');
  const workDir = mkdtempSync(join(tmpdir(), 'fulcrum-waf-bench-'));
  try {
    const origin = await startNginxOrigin(nginx, join(workDir, 'origin'), 1, 1);
    const contenders = [
      await startFulcrum(workDir, origin.ports, false),
      await startFulcrum(workDir, origin.ports, true),
      await startNginx(nginx, workDir, origin.ports, false),
    ];
    if (existsSync(MODSECURITY_MODULE)) contenders.push(await startNginx(nginx, workDir, origin.ports, true));
    else console.log(`note: nginx+modsecurity skipped: ${MODSECURITY_MODULE} is missing (apt-get install libnginx-mod-http-modsecurity)`);
    const scripts = new Map(SCENARIOS.map((scenario) => [scenario.id, wrkScript(join(workDir, `${scenario.id}.lua`), scenario)]));
    for (const contender of contenders) {
      for (const script of scripts.values()) measure(wrk, script, contender, 2, connections);
      await settle(contender.server.pid);
    }
    console.log(
      `date ${new Date().toISOString()}, load average ${loadavg()
        .map((load) => load.toFixed(2))
        .join(' ')}; wrk -t1 -c${connections} -d${seconds}s; origin ${origin.description}`,
    );
    const results = new Map<string, { rps: number[]; cpu: number[]; refused: number }>();
    for (let round = 1; round <= rounds; round++) {
      const ordered = round % 2 === 1 ? contenders : [...contenders].reverse();
      for (const scenario of SCENARIOS) {
        for (const contender of ordered) {
          const run = measure(wrk, scripts.get(scenario.id) as string, contender, seconds, connections);
          await settle(contender.server.pid);
          const key = `${scenario.id} ${contender.name}`;
          const entry = results.get(key) ?? { rps: [], cpu: [], refused: 0 };
          entry.rps.push(run.requestsPerSecond);
          entry.cpu.push(run.cpuMicroseconds);
          entry.refused += run.refused;
          results.set(key, entry);
          console.log(
            `round ${round} ${key}: ${run.requestsPerSecond.toFixed(0)} req/s, ${run.cpuMicroseconds.toFixed(0)} µs CPU/req${run.refused ? `, ${run.refused} non-2xx` : ''}`,
          );
        }
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
    console.log('median over rounds:');
    for (const [key, entry] of results) {
      console.log(
        `  ${key.padEnd(30)} ${median(entry.rps).toFixed(0).padStart(7)} req/s ${median(entry.cpu).toFixed(0).padStart(6)} µs CPU/req${entry.refused ? ` (${entry.refused} non-2xx)` : ''}`,
      );
    }
  } finally {
    await stopAllServerProcesses();
    rmSync(workDir, { recursive: true, force: true });
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void stopAllServerProcesses().then(() => process.exit(130)));

main().catch((error: Error) => {
  process.stderr.write(`bench:waf: ${error.message}\n`);
  void stopAllServerProcesses().then(() => process.exit(1));
});
