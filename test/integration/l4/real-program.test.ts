// Real programs' traffic through the native TCP proxy: redis-benchmark against redis-server, and iperf3.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestProxy, type TestProxy } from '../../helpers/l4-proxy.js';

function hasBinary(name: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
  if (!found)
    console.warn(`skipping: ${name} is not installed (apt-get install -y ${name === 'iperf3' ? 'iperf3' : 'redis-server redis-tools'})`);
  return found;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function run(command: string, args: string[], ms: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('l4 with real programs', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function proxyTo(port: number): Promise<TestProxy> {
    const proxy = await startTestProxy([`127.0.0.1:${port}`]);
    cleanups.push(() => proxy.close());
    return proxy;
  }

  it.skipIf(!hasBinary('redis-server') || !hasBinary('redis-benchmark'))(
    'redis-benchmark through the proxy',
    { timeout: 60_000 },
    async () => {
      const port = await freePort();
      const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      cleanups.push(() => server.kill());
      const proxy = await proxyTo(port);
      for (let attempt = 0; attempt < 50; attempt += 1) {
        if ((await run('redis-cli', ['-p', String(proxy.port), 'ping'], 1_000)).stdout.includes('PONG')) break;
        await new Promise((resolve) => setTimeout(resolve, 100)); // redis-server may still be starting
      }
      const result = await run(
        'redis-benchmark',
        ['-h', '127.0.0.1', '-p', String(proxy.port), '-n', '20000', '-c', '20', '-t', 'set,get', '-q'],
        50_000,
      );
      expect(result.status, result.stderr).toBe(0);
      const rates = [...result.stdout.matchAll(/(SET|GET): ([\d.]+) requests per second/g)].map((match) => Number(match[2]));
      expect(rates).toHaveLength(2);
      for (const rate of rates) expect(rate).toBeGreaterThan(1000);
      expect(proxy.stats().backends[0]!.connectionsTotal).toBeGreaterThanOrEqual(20);
    },
  );

  it.skipIf(!hasBinary('iperf3'))('iperf3 through the proxy, both directions', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const server = spawn('iperf3', ['-s', '-B', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    cleanups.push(() => server.kill());
    const proxy = await proxyTo(port);
    for (const reverse of [[], ['-R']]) {
      let result = { status: -1 as number | null, stdout: '', stderr: '' };
      let received: number | undefined;
      // Tries again while the server is still starting (the run fails) and when a run ends without a
      // receiver summary: iperf3 3.12 once exited 0 with no end.sum_received in a full, loaded test run.
      for (let attempt = 0; attempt < 20 && received === undefined; attempt += 1) {
        result = await run('iperf3', ['-c', '127.0.0.1', '-p', String(proxy.port), '-t', '1', '-J', ...reverse], 20_000);
        received = result.status === 0 ? receivedBitsPerSecond(result.stdout) : undefined;
        if (received === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(result.status, result.stdout.slice(0, 500)).toBe(0);
      expect(received, result.stdout.slice(-1500)).toBeGreaterThan(100e6);
    }
  });
});

/** end.sum_received.bits_per_second of an iperf3 -J report, or undefined when the report has none. */
function receivedBitsPerSecond(json: string): number | undefined {
  try {
    return (JSON.parse(json) as { end?: { sum_received?: { bits_per_second?: number } } }).end?.sum_received?.bits_per_second;
  } catch {
    return undefined;
  }
}
