// One reload-under-load run, in a process of its own so the test can start it inside a private network
// namespace (`unshare -n`) whose net.ipv4.tcp_migrate_req is its own. Starts an origin and Fulcrum,
// keeps CONCURRENCY clients each sending requests on fresh connections (a fresh connection is what
// lands in a listener's accept queue), and meanwhile reloads RELOADS times with a worker count that
// alternates 1 and 2, so every reload starts a new data plane and drains the old one.
// argv: mode (http | tcp), reloads. Prints one JSON line: { ok, failed, errors, reloads, log }.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [mode, reloadsText] = process.argv.slice(2);
const reloads = Number(reloadsText);
const CONCURRENCY = 8;
const MAX_REQUESTS = 200_000;
const REQUESTS_BETWEEN_RELOADS = 40;
const STEP_TIMEOUT_MS = 15_000;
const cli = fileURLToPath(new URL('../../../dist/cli.js', import.meta.url));

const origin = createServer((_request, response) => response.end('ok'));
origin.keepAliveTimeout = 0;
origin.listen(0, '127.0.0.1');
await once(origin, 'listening');
const freePort = async () => {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
};
const [port, adminPort] = [await freePort(), await freePort()];
const configPath = join(mkdtempSync(join(tmpdir(), 'fulcrum-reload-')), 'fulcrum.yaml');
const writeConfig = (workers) => writeFileSync(configPath, `backends: ["127.0.0.1:${origin.address().port}"]\nworkers: ${workers}\n`);
writeConfig(1);

const fulcrum = spawn(process.execPath, [cli], {
  env: {
    PATH: process.env.PATH ?? '',
    FULCRUM_MODE: mode,
    FULCRUM_CONFIG: configPath,
    FULCRUM_LISTEN: `127.0.0.1:${port}`,
    FULCRUM_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
    FULCRUM_HEALTH_CHECK: 'off',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let log = '';
const logged = (text) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${text}" within ${STEP_TIMEOUT_MS} ms:\n${log}`)), STEP_TIMEOUT_MS);
    const check = () => {
      if (!log.includes(text)) return;
      clearTimeout(timer);
      resolve();
    };
    for (const stream of [fulcrum.stdout, fulcrum.stderr]) stream.on('data', check);
    check();
  });
for (const stream of [fulcrum.stdout, fulcrum.stderr]) stream.on('data', (chunk) => (log += chunk));
await logged('fulcrum is serving');

const counts = { ok: 0, failed: 0, errors: {} };
let stopping = false;
const waiters = [];
function once200() {
  return new Promise((resolve) => {
    const fail = (reason) => {
      counts.failed++;
      counts.errors[reason] = (counts.errors[reason] ?? 0) + 1;
      resolve();
    };
    const outgoing = request({ host: '127.0.0.1', port, path: '/', agent: false, headers: { connection: 'close' } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => {
        if (response.statusCode === 200 && body === 'ok') counts.ok++;
        else fail(`status ${response.statusCode}`);
        resolve();
      });
      response.on('error', (error) => fail(error.code ?? error.message));
    });
    outgoing.setTimeout(STEP_TIMEOUT_MS, () => outgoing.destroy(new Error('timeout')));
    outgoing.on('error', (error) => fail(error.code ?? error.message));
    outgoing.end();
  }).then(() => {
    for (const waiter of waiters.splice(0)) if (!waiter.check()) waiters.push(waiter);
  });
}
async function client() {
  while (!stopping && counts.ok + counts.failed < MAX_REQUESTS) await once200();
}
/** Resolves once `more` further requests have completed (ok or not), or rejects after the step timeout. */
function completed(more) {
  const target = counts.ok + counts.failed + more;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`load stalled at ${JSON.stringify(counts)}`)), STEP_TIMEOUT_MS);
    waiters.push({
      check: () => {
        if (counts.ok + counts.failed < target) return false;
        clearTimeout(timer);
        resolve();
        return true;
      },
    });
  });
}
async function reloadsApplied() {
  const response = await fetch(`http://127.0.0.1:${adminPort}/stats`);
  return (await response.json()).reloads.applied;
}

const clients = Array.from({ length: CONCURRENCY }, client);
let applied = 0;
try {
  await completed(REQUESTS_BETWEEN_RELOADS);
  for (let reload = 1; reload <= reloads; reload++) {
    writeConfig(reload % 2 === 1 ? 2 : 1);
    fulcrum.kill('SIGHUP');
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    while ((applied = await reloadsApplied()) < reload && Date.now() < deadline) await completed(1);
    await completed(REQUESTS_BETWEEN_RELOADS);
  }
} finally {
  stopping = true;
  await Promise.all(clients);
  fulcrum.kill('SIGTERM');
  await once(fulcrum, 'exit');
  origin.close();
}
process.stdout.write(`${JSON.stringify({ ...counts, reloads: applied, log })}\n`);
