// Cross-checks an HTTP scenario with wrk (C, µs latency resolution) through a Lua script the suite writes.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reapedChildrenCpuSeconds } from '../measure/process-usage.js';
import type { HttpLoadSettings } from './autocannon-load.js';
import { type ConcreteRequest, concreteRequests } from './http-requests.js';
import { describeErrors, type LoadResult, sumOf } from './load-result.js';

interface WrkSummary {
  requests: number;
  bytes: number;
  durationMicroseconds: number;
  errors: Record<string, number>;
  latencyMicroseconds: { p50: number; p99: number; p99_9: number };
}

function luaString(text: string): string {
  return JSON.stringify(text);
}

function luaRequest(request: ConcreteRequest): string {
  const headers = Object.entries(request.headers).map(([name, value]) => `[${luaString(name)}] = ${luaString(value)}`);
  // A large body is built in Lua rather than written out in the script.
  const body = request.body === undefined ? 'nil' : `string.rep("x", ${request.body.length})`;
  return `wrk.format(${luaString(request.method)}, ${luaString(request.path)}, { ${headers.join(', ')} }, ${body})`;
}

/** A script that pre-builds the requests, cycles through them, and prints a JSON summary at the end. */
function wrkScript(requests: ConcreteRequest[]): string {
  return `
local requests = {}
init = function(args)
${requests.map((request, index) => `  requests[${index + 1}] = ${luaRequest(request)}`).join('\n')}
end
local next_index = 0
request = function()
  next_index = next_index % #requests + 1
  return requests[next_index]
end
done = function(summary, latency, _)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"bytes":%d,"durationMicroseconds":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latencyMicroseconds":{"p50":%d,"p99":%d,"p99_9":%d}}\\n',
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
`;
}

export async function runWrk(binary: string, workDir: string, settings: HttpLoadSettings): Promise<LoadResult> {
  const scriptPath = join(workDir, 'wrk-script.lua');
  writeFileSync(scriptPath, wrkScript(concreteRequests(settings.request)));
  const threads = settings.workers;
  const args = [
    '-t',
    String(threads),
    '-c',
    String(Math.max(settings.connections, threads)),
    '-d',
    `${settings.durationSeconds}s`,
    '-s',
    scriptPath,
    `http://127.0.0.1:${settings.port}`,
  ];
  const cpuBefore = reapedChildrenCpuSeconds();
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}: ${text.trim()}`))));
  });
  const summaryLine = output.split('\n').find((line) => line.startsWith('{"requests"'));
  if (!summaryLine) throw new Error(`wrk printed no summary:\n${output.trim()}`);
  const summary = JSON.parse(summaryLine) as WrkSummary;
  const durationSeconds = summary.durationMicroseconds / 1e6;
  const bodyBytes = settings.request.bodyBytes;
  const latency = summary.latencyMicroseconds;
  return {
    generator: 'wrk',
    durationSeconds,
    requestsPerSecond: summary.requests / durationSeconds,
    throughputBytesPerSecond: (bodyBytes > 0 ? summary.requests * bodyBytes : summary.bytes) / durationSeconds,
    latencyMs: { p50: latency.p50 / 1000, p99: latency.p99 / 1000, p99_9: latency.p99_9 / 1000 },
    errors: sumOf(summary.errors),
    errorDetail: describeErrors(summary.errors),
    generatorCpuSeconds: reapedChildrenCpuSeconds() - cpuBefore,
    generatorThreads: threads,
  };
}
