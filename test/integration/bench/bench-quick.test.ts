// Smoke test of `npm run bench`: a quick small-get run against direct access and Fulcrum http writes JSON and SVG.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

interface ResultRow {
  contender: string;
  generator: string | null;
  status: string;
  reason: string;
  requestsPerSecond: number | null;
}

describe('npm run bench -- --quick', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'fulcrum-bench-test-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('measures direct and Fulcrum http with positive req/s and writes the JSON and the SVG', () => {
    const run = spawnSync(
      'npm',
      ['run', 'bench', '--', '--quick', '--only', 'small-get', '--contenders', 'direct,fulcrum-http', '--no-wrk', '--out', outDir],
      {
        encoding: 'utf8',
        timeout: 40_000,
      },
    );
    expect(run.status, run.stderr).toBe(0);
    const files = readdirSync(outDir);
    const json = files.find((file) => file.endsWith('-quick.json'));
    expect(json, files.join(', ')).toBeDefined();
    expect(existsSync(join(outDir, (json as string).replace(/\.json$/, '.svg')))).toBe(true);
    const { results } = JSON.parse(readFileSync(join(outDir, json as string), 'utf8')) as { results: ResultRow[] };
    for (const contender of ['direct', 'fulcrum-http']) {
      const row = results.find((candidate) => candidate.contender === contender && candidate.generator === 'autocannon');
      expect(row?.status, `${contender}: ${row?.reason}`).toBe('ok');
      expect(row?.requestsPerSecond).toBeGreaterThan(0);
    }
    expect(run.stdout).toContain('| small-get | fulcrum-http | autocannon |');
  }, 45_000);
});
