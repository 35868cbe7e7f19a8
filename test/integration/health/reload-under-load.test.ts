// 20 reloads that each start a new data plane, under a bounded load of requests on fresh connections:
// not one may fail. Without socket migration, the connections queued on an old plane's SO_REUSEPORT
// listener when it closes are reset (3 of ~1000 per 20 reloads on this machine, both modes); with
// net.ipv4.tcp_migrate_req=1 the kernel moves them to the new plane's listeners.
//
// The sysctl is per network namespace, so each run happens in a private one (`unshare -n`, root, as in
// CI) with its own loopback and tcp_migrate_req=1, and the machine's setting is left alone. The origin,
// Fulcrum and the clients all run in reload-under-load.mjs inside that namespace.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const scenario = fileURLToPath(new URL('./reload-under-load.mjs', import.meta.url));
const RELOADS = 20;

interface ScenarioResult {
  ok: number;
  failed: number;
  errors: Record<string, number>;
  reloads: number;
  log: string;
}

async function runInPrivateNetwork(mode: 'http' | 'tcp'): Promise<ScenarioResult> {
  const child = spawn(
    'unshare',
    [
      '-n',
      'sh',
      '-c',
      'ip link set lo up && sysctl -qw net.ipv4.tcp_migrate_req=1 && exec "$0" "$@"',
      process.execPath,
      scenario,
      mode,
      String(RELOADS),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  if (code !== 0) throw new Error(`the reload scenario exited with ${code}:\n${stderr}\n${stdout}`);
  return JSON.parse(stdout) as ScenarioResult;
}

function canUnshareNetwork(): boolean {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!canUnshareNetwork())('reload under load of new connections (private network namespace)', () => {
  it.each(['tcp', 'http'] as const)(
    '%s mode: 20 reloads that start a new data plane fail no request',
    async (mode) => {
      const result = await runInPrivateNetwork(mode);
      expect({ failed: result.failed, errors: result.errors }).toEqual({ failed: 0, errors: {} });
      expect(result.reloads).toBe(RELOADS);
      expect(result.ok).toBeGreaterThan(RELOADS * 40);
      expect(result.log).toContain('its queued connections migrate to the new listeners');
      expect(result.log).not.toContain('may reset');
    },
    120_000,
  );
});
