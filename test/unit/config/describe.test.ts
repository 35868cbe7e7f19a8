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

it('says which protocols the listener serves, and names the setting for the rest on the uWS front', () => {
  const env = { FULCRUM_BACKENDS: '127.0.0.1:1', FULCRUM_LISTEN: '127.0.0.1:8080' };
  const uws = describeConfig(loadConfig({ flags: new Map(), env }), []);
  expect(uws).toContain('listener 127.0.0.1:8080: HTTP/1.1 only (uWS front); FULCRUM_PROTOCOLS=all also serves HTTP/1.0');
  const complete = describeConfig(loadConfig({ flags: new Map(), env: { ...env, FULCRUM_PROTOCOLS: 'all' } }), []);
  expect(complete).toContain('listener 127.0.0.1:8080: HTTP/1.0, HTTP/1.1 with pipelining, h2c by prior knowledge');
  expect(() => loadConfig({ flags: new Map(), env: { ...env, FULCRUM_PROTOCOLS: 'h3' } })).toThrow(
    /FULCRUM_PROTOCOLS="h3" is invalid.*http\/1\.1, all|FULCRUM_PROTOCOLS/,
  );
});
