// --check-config's table: every setting on its own row, the source column lined up.
import { expect, it } from 'vitest';
import { describeConfig } from '../../../src/config/describe.js';
import { loadConfig } from '../../../src/config/load.js';

it('lines up the source column of every setting row, long names included', () => {
  const config = loadConfig({ flags: new Map(), env: { FULCRUM_BACKENDS: '127.0.0.1:1', FULCRUM_OUTLIER_EJECTION_TIME: '45s' } });
  const rows = describeConfig(config, [])
    .split('\n')
    .filter((line) => line.startsWith('FULCRUM_'));
  expect(rows.length).toBeGreaterThan(30);
  const sourceColumns = new Set(rows.map((row) => row.lastIndexOf('(')));
  expect(sourceColumns.size).toBe(1);
  expect(rows.find((row) => row.startsWith('FULCRUM_OUTLIER_EJECTION_TIME'))).toMatch(/ 45s +\(env\)$/);
});
