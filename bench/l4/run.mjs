// L4 bench: direct, Fulcrum tcp, HAProxy mode tcp and NGINX stream side by side in one run, same origins.
// Measures single-stream throughput (iperf3), new connections per second (wrk, Connection: close,
// against an nginx origin) and memory per 10k idle connections. Targets take turns, round after round,
// so load from elsewhere on the machine spreads over all of them; medians are reported. Run it through
// run.sh (raises fd limits).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { haproxyConfig, nginxOriginConfig, nginxStreamConfig } from './configs.mjs';

const threads = Number(process.env.FULCRUM_BENCH_WORKERS ?? 1);
const seconds = Number(process.env.FULCRUM_BENCH_SECONDS ?? 5);
const rounds = Number(process.env.FULCRUM_BENCH_ROUNDS ?? 3);
// Each proxied connection costs a proxy two descriptors; stay under the descriptor limit and scale to 10k.
const descriptorLimit = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim()) || 1024;
const maxConnections = Math.floor((descriptorLimit - 200) / 2);
const idleConnections = Math.min(Number(process.env.FULCRUM_BENCH_IDLE ?? 10_000), maxConnections - 100);
const here = fileURLToPath(new URL('.', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'fulcrum-l4-bench-'));
const children = [];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function has(binary) {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
  if (!found) console.log(`# ${binary} not found: skipping what needs it (apt-get install -y ${binary})`);
  return found;
}

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function start(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], ...options });
  children.push(child);
  return child;
}

async function waitForPort(port, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port} after ${ms} ms`);
}

function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  return result.stdout;
}

function iperfGbits(port) {
  const report = JSON.parse(run('iperf3', ['-c', '127.0.0.1', '-p', String(port), '-t', String(seconds), '-J']));
  if (report.error) throw new Error(`iperf3 through ${port}: ${report.error}`);
  return report.end.sum_received.bits_per_second / 1e9;
}

function connectionsPerSecond(port) {
  const output = run('wrk', ['-t1', '-c32', `-d${seconds}s`, '-H', 'Connection: close', `http://127.0.0.1:${port}/`]);
  const errors = /Socket errors: (.*)/.exec(output)?.[1];
  if (errors) console.log(`#   wrk socket errors on ${port}: ${errors}`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0);
}

function rssKb(pids) {
  return pids.reduce((sum, pid) => sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0), 0);
}

// Opens `count` connections through port, measures the proxy's RSS growth, then closes them.
async function idleMemoryMb(port, pids) {
  const before = rssKb(pids());
  const sockets = [];
  for (let opened = 0; opened < idleConnections; opened += 500) {
    const batch = Array.from(
      { length: Math.min(500, idleConnections - opened) },
      () =>
        new Promise((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => resolve(socket));
          socket.once('error', reject);
        }),
    );
    sockets.push(...(await Promise.all(batch)));
  }
  await sleep(1500);
  const after = rssKb(pids());
  for (const socket of sockets) socket.destroy();
  await sleep(1500);
  return ((after - before) / 1024) * (10_000 / idleConnections);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function loadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

function childPids(pid) {
  const listed = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return listed ? listed.split('\n').map(Number) : [];
}

async function main() {
  if (!has('iperf3') || !has('wrk') || !has('nginx')) throw new Error('the bench needs iperf3, wrk and nginx (origin)');
  const [iperfPort, httpPort] = [await freePort(), await freePort()];
  start('iperf3', ['-s', '-B', '127.0.0.1', '-p', String(iperfPort)]);
  writeFileSync(join(directory, 'origin.conf'), nginxOriginConfig(directory, httpPort));
  start('nginx', ['-p', directory, '-c', join(directory, 'origin.conf')]);
  await sleep(300); // a probe connection would make iperf3 log a failed test
  await waitForPort(httpPort);

  const targets = [{ name: 'direct', iperf: iperfPort, http: httpPort, pids: () => [] }];
  const mapping = async () => [
    [await freePort(), iperfPort],
    [await freePort(), httpPort],
  ];

  const fulcrumPorts = await mapping();
  const fulcrum = start(
    process.execPath,
    [join(here, 'fulcrum-proxy.mjs'), ...fulcrumPorts.map(([listen, backend]) => `${listen}=127.0.0.1:${backend}`)],
    {
      env: { ...process.env, FULCRUM_BENCH_WORKERS: String(threads), FULCRUM_BENCH_MAX_CONNECTIONS: String(maxConnections) },
    },
  );
  const [ready] = await once(fulcrum.stdout, 'data');
  if (!String(ready).includes('ready')) throw new Error(`fulcrum proxy did not start: ${ready}`);
  targets.push({ name: 'fulcrum tcp', iperf: fulcrumPorts[0][0], http: fulcrumPorts[1][0], pids: () => [fulcrum.pid] });

  if (has('haproxy')) {
    const ports = await mapping();
    writeFileSync(join(directory, 'haproxy.cfg'), haproxyConfig(threads, maxConnections, ports));
    const haproxy = start('haproxy', ['-f', join(directory, 'haproxy.cfg'), '-db']);
    await waitForPort(ports[1][0]);
    targets.push({ name: 'haproxy tcp', iperf: ports[0][0], http: ports[1][0], pids: () => [haproxy.pid] });
  }
  if (has('nginx')) {
    const ports = await mapping();
    writeFileSync(join(directory, 'stream.conf'), nginxStreamConfig(directory, threads, ports));
    const stream = start('nginx', ['-p', directory, '-c', join(directory, 'stream.conf')]);
    await waitForPort(ports[1][0]);
    targets.push({ name: 'nginx stream', iperf: ports[0][0], http: ports[1][0], pids: () => [stream.pid, ...childPids(stream.pid)] });
  }

  const loadBefore = loadAverage();
  const samples = new Map(targets.map((target) => [target.name, { gbits: [], connectionsPerSecond: [] }]));
  // A B C D, then B C D A, ...: each round starts one target later, so none always follows the same one.
  for (let round = 0; round < rounds; round += 1) {
    for (let turn = 0; turn < targets.length; turn += 1) {
      const target = targets[(round + turn) % targets.length];
      const sample = samples.get(target.name);
      sample.gbits.push(iperfGbits(target.iperf));
      sample.connectionsPerSecond.push(connectionsPerSecond(target.http));
      console.log(
        `# round ${round + 1} ${target.name}: ${sample.gbits.at(-1).toFixed(1)} Gbit/s, ${sample.connectionsPerSecond.at(-1).toFixed(0)} conn/s`,
      );
    }
  }
  const results = [];
  for (const target of targets) {
    const { gbits, connectionsPerSecond: rates } = samples.get(target.name);
    const idleMb = target.pids().length ? await idleMemoryMb(target.http, target.pids) : undefined;
    results.push({ name: target.name, gbits, rates, idleMb });
  }
  printTable(results, loadBefore, loadAverage());
}

// Medians of the rounds, the ratio of medians to HAProxy's, and the spread (min–max) of the rounds.
function printTable(results, loadBefore, loadAfter) {
  const anchor = results.find((row) => row.name === 'haproxy tcp');
  const ratio = (values, anchorValues) => (anchorValues ? `${(median(values) / median(anchorValues)).toFixed(2)}×` : '-');
  const spread = (values, digits) => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
  console.log(
    `\nL4 bench, ${new Date().toISOString().slice(0, 10)}, nproc ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()}, ` +
      `${threads} thread(s) per proxy, ${rounds} alternating round(s) of ${seconds}s per measurement, ${idleConnections} idle connections, ` +
      `load average ${loadBefore} before, ${loadAfter} after\n`,
  );
  console.log(
    '| target | iperf3 1 stream, median (Gbit/s) | rounds | vs HAProxy | new conn/s, median (wrk, Connection: close) | rounds | vs HAProxy | RSS per 10k idle conns (MB) |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of results) {
    console.log(
      `| ${row.name} | ${median(row.gbits).toFixed(1)} | ${spread(row.gbits, 1)} | ${ratio(row.gbits, anchor?.gbits)} | ` +
        `${median(row.rates).toFixed(0)} | ${spread(row.rates, 0)} | ${ratio(row.rates, anchor?.rates)} | ${row.idleMb === undefined ? '-' : row.idleMb.toFixed(1)} |`,
    );
  }
}

try {
  await main();
} finally {
  for (const child of children) child.kill('SIGTERM');
  await sleep(500);
  rmSync(directory, { recursive: true, force: true });
}
