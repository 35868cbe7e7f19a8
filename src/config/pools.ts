// The config file's `pools:` section and the `backends:` list shared with the top level.

import { parseHealthCheck, parseOutlier, parseSlowStart } from './health.js';
import { L7_POOL_KEYS, parseL7PoolOptions } from './l7-pools.js';
import { InvalidValue, parseBackend, parseHashKey, parseOneOf, parseWeight } from './parsers.js';
import type { ConfigProblems } from './problems.js';
import { checkKeys, type Document, isMapping, scalarText } from './shape.js';
import { ALGORITHMS, type BackendConfig, DEFAULT_POOL, type PoolConfig, type Settings } from './types.js';
import { parseUpstreamProtocol } from './upstream-protocol.js';

export const POOL_KEYS = [
  'algorithm',
  'hashKey',
  'backends',
  'healthCheck',
  'outlierDetection',
  'slowStart',
  'backup',
  ...L7_POOL_KEYS,
  'protocol',
  'tls',
] as const;
const POOL_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;

/** A file's backends: a comma-separated string, or a list of "host:port*W" strings and {address, weight} objects. */
export function parseFileBackends(value: unknown, where: string, problems: ConfigProblems): BackendConfig[] | undefined {
  if (typeof value === 'string') value = value.split(',');
  if (!Array.isArray(value)) {
    problems.add(where, value, 'expected a list of "host:port[*WEIGHT]" strings or {address, weight} entries');
    return undefined;
  }
  const backends: BackendConfig[] = [];
  value.forEach((entry: unknown, index) => {
    const at = `${where}[${index}]`;
    const parsed = problems.attempt(at, entry, () => {
      if (typeof entry === 'string') return parseBackend(entry);
      if (isMapping(entry) && typeof entry.address === 'string') {
        const extra = Object.keys(entry).filter((key) => key !== 'address' && key !== 'weight');
        if (extra.length > 0) throw new InvalidValue(`unknown key "${extra[0]}"; expected address and weight`);
        const backend = parseBackend(entry.address);
        return entry.weight === undefined ? backend : { ...backend, weight: parseWeight(entry.weight as number) };
      }
      throw new InvalidValue('expected "host:port[*WEIGHT]" or {address: "host:port", weight: N}');
    });
    if (parsed) backends.push(parsed);
  });
  return backends;
}

/** `baseDirectory` resolves relative file paths (an h2 pool's CA): the config file's folder. */
export function parsePools(
  value: unknown,
  where: string,
  defaults: Settings,
  baseDirectory: string,
  problems: ConfigProblems,
): PoolConfig[] {
  if (value === undefined) return [];
  if (!isMapping(value)) {
    problems.add(where, value, 'expected a mapping of pool name to {algorithm, hashKey, backends}');
    return [];
  }
  const pools: PoolConfig[] = [];
  for (const [name, node] of Object.entries(value)) {
    const at = `${where}.${name}`;
    if (!POOL_NAME.test(name) || name === DEFAULT_POOL) {
      problems.add(
        at,
        name,
        `pool names are 1-64 letters, digits, "_", "." or "-", and "${DEFAULT_POOL}" is reserved for the top-level backends`,
      );
      continue;
    }
    if (!isMapping(node)) {
      problems.add(at, node, 'expected {algorithm, hashKey, backends, ...}');
      continue;
    }
    checkKeys(node, POOL_KEYS, at, problems);
    const pool = parsePool(name, node, at, defaults, baseDirectory, problems);
    if (pool) pools.push(pool);
  }
  return pools;
}

function parsePool(
  name: string,
  node: Document,
  at: string,
  defaults: Settings,
  baseDirectory: string,
  problems: ConfigProblems,
): PoolConfig | undefined {
  const algorithmText = scalarText(node.algorithm);
  const algorithm =
    node.algorithm === undefined
      ? defaults.algorithm
      : problems.attempt(`${at}.algorithm`, node.algorithm, () => parseOneOf(algorithmText ?? '', ALGORITHMS));
  const hashKeyText = scalarText(node.hashKey);
  const hashKey =
    node.hashKey === undefined ? defaults.hashKey : problems.attempt(`${at}.hashKey`, node.hashKey, () => parseHashKey(hashKeyText ?? ''));
  const backends = parseFileBackends(node.backends ?? [], `${at}.backends`, problems);
  if (backends && backends.length === 0) {
    problems.add(`${at}.backends`, node.backends ?? [], 'a pool needs at least one backend');
  }
  const healthCheck = parseHealthCheck(node.healthCheck, `${at}.healthCheck`, defaults, problems);
  const outlier = parseOutlier(node.outlierDetection, `${at}.outlierDetection`, defaults, problems);
  const slowStartMs = parseSlowStart(node.slowStart, `${at}.slowStart`, defaults, problems);
  if (node.backup !== undefined && (typeof node.backup !== 'string' || node.backup === name)) {
    problems.add(`${at}.backup`, node.backup, 'expected the name of another pool');
  }
  const backup = typeof node.backup === 'string' ? node.backup : null;
  const l7Options = parseL7PoolOptions(node, at, problems);
  const upstream = parseUpstreamProtocol(node, at, defaults.upstreamProtocol, baseDirectory, problems);
  if (!algorithm || !hashKey || !backends || backends.length === 0) return undefined;
  return {
    name,
    algorithm,
    hashKey,
    backends,
    healthCheck,
    outlier,
    slowStartMs,
    backup,
    ...l7Options,
    ...upstream,
  };
}
