// The docs may only name variables that exist and state defaults the code has: README.md and docs/*.md
// against the settings schema, and docs/l4.md's option table against the L4 API's defaults.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { CONFIG_FILE_ENV, SETTINGS } from '../../../src/config/settings.js';
import { l4Plan } from '../../../src/data-plane.js';
import { tcpProxyDefaults } from '../../../src/l4/options.js';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const DOCS = [
  'README.md',
  ...readdirSync(new URL('docs/', root))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const settingByEnv = new Map(SETTINGS.map((setting) => [setting.env, setting]));
const errorCodes = new Set([...read('src/errors.ts').matchAll(/'(FULCRUM_ERR_[A-Z0-9_]+)'/g)].map((match) => match[1]));
/** Read outside the schema: src/native/load.ts, scripts/build-native.mjs, the native builds (FULCRUM_WITHOUT_WAF); FULCRUM_BENCH_* by bench/. */
const OTHER_VARIABLES = new Set([CONFIG_FILE_ENV, 'FULCRUM_ADDON_PATH', 'FULCRUM_NATIVE_BUILDER', 'FULCRUM_WITHOUT_WAF']);

describe.each(DOCS)('%s', (doc) => {
  const text = read(doc);

  it('names only variables and error codes that exist', () => {
    const named = [...text.matchAll(/`(FULCRUM_[A-Z0-9_]+)/g)].map((match) => match[1] as string);
    const unknown = named.filter(
      (name) => !settingByEnv.has(name) && !OTHER_VARIABLES.has(name) && !errorCodes.has(name) && !name.startsWith('FULCRUM_BENCH_'),
    );
    expect(unknown).toEqual([]);
  });

  it('states the schema default wherever it says "`FULCRUM_X` (default `V`)"', () => {
    const stated = [...text.matchAll(/`(FULCRUM_[A-Z0-9_]+)`[^`(]{0,40}\(default `([^`]+)`/g)].map((match) => [match[1], match[2]]);
    const wrong = stated.filter(([env, value]) => settingByEnv.get(env as string)?.defaultText !== value);
    expect(wrong).toEqual([]);
  });
});

it('docs/l4.md states the defaults the L4 API and the settings schema have', () => {
  const rows = read('docs/l4.md')
    .split('\n')
    .map((line) => /^\| `(\w+)`[^|]* \| ([^|]+) \| ([^|]+) \|/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null);
  const checked: string[] = [];
  const wrong: string[] = [];
  for (const [, option = '', settingCell = '', defaultCell = ''] of rows) {
    const env = /`(FULCRUM_[A-Z0-9_]+)`/.exec(settingCell)?.[1];
    const stated = defaultCell.trim().split(' ')[0];
    const expected =
      option in tcpProxyDefaults
        ? String(tcpProxyDefaults[option as keyof typeof tcpProxyDefaults])
        : env && option !== 'onConnectionClosed'
          ? settingByEnv.get(env)?.defaultText
          : undefined;
    if (expected === undefined) continue;
    checked.push(option);
    if (stated !== expected) wrong.push(`${option}: the doc says ${stated}, the code has ${expected}`);
  }
  expect(wrong).toEqual([]);
  expect(checked).toEqual(
    expect.arrayContaining([
      'connectTimeoutMs',
      'idleTimeoutMs',
      'retries',
      'maxConnections',
      'pipeSize',
      'maxPipes',
      'backlog',
      'proxyProtocol',
      'acceptProxyProtocol',
    ]),
  );
});

it('the L4 API defaults to what the binary passes by default, so docs/l4.md holds for both', () => {
  const plan = l4Plan(loadConfig({ flags: new Map(), env: { FULCRUM_BACKENDS: '127.0.0.1:9001' } }));
  const { connectTimeoutMs, idleTimeoutMs, retries, maxConnections, pipeSize } = tcpProxyDefaults;
  expect({ connectTimeoutMs, idleTimeoutMs, retries, maxConnections, pipeSize }).toEqual({
    connectTimeoutMs: plan.connectTimeoutMs,
    idleTimeoutMs: plan.idleTimeoutMs,
    retries: plan.retries,
    maxConnections: plan.maxConnections,
    pipeSize: plan.pipeSize,
  });
});
