// Describes the machine and the tools of a run, so a table always says where its numbers come from.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, release } from 'node:os';
import { findBinary } from '../processes/find-binary.js';

export interface RunEnvironment {
  date: string;
  cores: number;
  cpuModel: string;
  kernel: string;
  node: string;
  loadAverageAtStart: number[];
  tools: Record<string, string | null>;
}

function versionOf(binary: string, args: string[], pattern: RegExp): string | null {
  const path = findBinary(binary);
  if (!path) return null;
  const result = spawnSync(path, args, { encoding: 'utf8' });
  return pattern.exec(`${result.stdout}${result.stderr}`)?.[1] ?? 'unknown version';
}

function autocannonVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('autocannon/package.json') as { version: string }).version;
}

export function describeEnvironment(): RunEnvironment {
  return {
    date: new Date().toISOString(),
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    kernel: release(),
    node: process.version,
    loadAverageAtStart: loadavg().map((load) => Number(load.toFixed(2))),
    tools: {
      autocannon: autocannonVersion(),
      wrk: versionOf('wrk', ['-v'], /wrk (\S+)/),
      iperf3: versionOf('iperf3', ['-v'], /iperf (\S+)/),
      haproxy: versionOf('haproxy', ['-v'], /version (\S+)/),
      nginx: versionOf('nginx', ['-v'], /nginx\/(\S+)/),
    },
  };
}
