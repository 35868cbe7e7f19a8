// Smoke test of the UDP scenarios of `npm run bench`: direct and NGINX stream udp measure, and Fulcrum's row either
// measures or, in a build without a working FULCRUM_MODE=udp, fails with a message that says why while the suite goes on.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

interface ResultRow {
  scenario: string;
  contender: string;
  status: string;
  reason: string;
  requestsPerSecond: number | null;
  throughputBytesPerSecond: number | null;
  latencyMs: { p99: number } | null;
}

describe('npm run bench -- --quick --only udp-dns,udp-bulk', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'fulcrum-bench-udp-test-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('measures queries/s and p99 (udp-dns) and bandwidth (udp-bulk) for direct and NGINX; Fulcrum measures or says why not', () => {
    const run = spawnSync(
      'npm',
      [
        'run',
        'bench',
        '--',
        '--quick',
        '--only',
        'udp-dns,udp-bulk',
        '--contenders',
        'direct,nginx-stream-udp,fulcrum-udp',
        '--out',
        outDir,
      ],
      { encoding: 'utf8', timeout: 80_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const json = readdirSync(outDir).find((file) => file.endsWith('-quick.json')) as string;
    const { results } = JSON.parse(readFileSync(join(outDir, json), 'utf8')) as { results: ResultRow[] };
    const row = (scenario: string, contender: string) =>
      results.find((candidate) => candidate.scenario === scenario && candidate.contender === contender);
    for (const contender of ['direct', 'nginx-stream-udp']) {
      const dns = row('udp-dns', contender);
      expect(dns?.status, `${contender}: ${dns?.reason}`).toBe('ok');
      expect(dns?.requestsPerSecond).toBeGreaterThan(0);
      expect(dns?.latencyMs?.p99).toBeGreaterThan(0);
      const bulk = row('udp-bulk', contender);
      expect(bulk?.status, `${contender}: ${bulk?.reason}`).toBe('ok');
      expect(bulk?.throughputBytesPerSecond).toBeGreaterThan(0);
    }
    for (const scenario of ['udp-dns', 'udp-bulk']) {
      const fulcrum = row(scenario, 'fulcrum-udp');
      // A build without UDP mode says "this Fulcrum build has no UDP mode"; a half-built one names what is missing.
      if (fulcrum?.status !== 'ok') expect(fulcrum?.reason).toMatch(/^did not start: .*(no UDP mode|udp)/i);
    }
    expect(run.stdout).toContain('| udp-dns | nginx-stream-udp | dnsperf |');
  }, 90_000);
});
