// The key layout under an etcd prefix, assembled into the one document the config-file parser validates.
import { parse as parseYaml } from 'yaml';
import { FulcrumError } from '../../errors.js';
import type { EtcdLocation } from './etcd-url.js';

/**
 * PREFIX/config            a YAML mapping of top-level settings and sections (listen, tls, access, ...), optional
 * PREFIX/pools/NAME        a YAML mapping: one pool, as under `pools.NAME` in a file
 * PREFIX/routes/ORDER-NAME a YAML mapping: one route, as one entry of `routes`; routes apply in key order
 *
 * A key per pool and per route lets operators (and their tools) change one of them with one put, and
 * two people editing different pools never overwrite each other's document.
 */
export const CONFIG_KEY = 'config';
export const POOLS_DIR = 'pools/';
export const ROUTES_DIR = 'routes/';

export interface AssembledDocument {
  document: Record<string, unknown>;
  /** The full key of each route, in the order they apply: routes[i] came from routeKeys[i]. */
  routeKeys: string[];
  /** The full key of each pool, by name. */
  poolKeys: Map<string, string>;
}

function refuse(key: string, problem: string): FulcrumError {
  return new FulcrumError('FULCRUM_ERR_CONFIG', `etcd key ${key} ${problem}`);
}

function parseMapping(key: string, text: string, holds: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] as string).replace(/:$/, '') : String(error);
    throw refuse(key, `is not valid YAML: ${reason}; fix the value (the last good configuration keeps serving).`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw refuse(
      key,
      `must hold a YAML mapping (${holds}), not ${value === null ? 'nothing' : Array.isArray(value) ? 'a list' : typeof value}.`,
    );
  }
  return value as Record<string, unknown>;
}

/** Builds {…config, pools, routes} from every key under the prefix; a key that fits no slot is refused, like an unknown file key. */
export function assembleDocument(location: EtcdLocation, values: ReadonlyMap<string, string>): AssembledDocument {
  let document: Record<string, unknown> = {};
  const pools: Record<string, unknown> = {};
  const poolKeys = new Map<string, string>();
  const routes: { key: string; route: Record<string, unknown> }[] = [];
  for (const [key, text] of values) {
    const name = key.slice(location.prefix.length);
    if (name === CONFIG_KEY) {
      document = parseMapping(key, text, 'top-level settings such as listen, tls, access');
      for (const section of ['pools', 'routes']) {
        if (section in document) {
          throw refuse(key, `holds "${section}", which live under ${location.prefix}${section}/ (one key each); move them there.`);
        }
      }
    } else if (name.startsWith(POOLS_DIR) && name.length > POOLS_DIR.length) {
      pools[name.slice(POOLS_DIR.length)] = parseMapping(key, text, 'one pool: backends, algorithm, healthCheck, ...');
      poolKeys.set(name.slice(POOLS_DIR.length), key);
    } else if (name.startsWith(ROUTES_DIR) && name.length > ROUTES_DIR.length) {
      routes.push({ key, route: parseMapping(key, text, 'one route: match and pool, or split') });
    } else {
      throw refuse(
        key,
        `is not part of Fulcrum's layout; expected ${location.prefix}${CONFIG_KEY}, ${location.prefix}${POOLS_DIR}NAME or ${location.prefix}${ROUTES_DIR}ORDER-NAME.`,
      );
    }
  }
  // Byte order, as etcd lists keys: "routes/010-api" before "routes/020-web" (pad the numbers).
  routes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (Object.keys(pools).length > 0) document.pools = pools;
  if (routes.length > 0) document.routes = routes.map((entry) => entry.route);
  return { document, routeKeys: routes.map((entry) => entry.key), poolKeys };
}

/** The parser names a pool by name and a route by index ("pools.api.backends", "routes[2]"); this adds the etcd key each came from. */
export function withEtcdKeys(message: string, assembled: AssembledDocument): string {
  let named = message;
  // One pass, longest name first, so pool "a.b" is never read as pool "a" followed by key "b".
  const pools = [...assembled.poolKeys.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  if (pools.length > 0) {
    const poolAt = new RegExp(`: pools\\.(${pools.join('|')})(?=[.=\\[])`, 'g');
    named = named.replace(poolAt, (whole, pool: string) => `${whole} (key ${assembled.poolKeys.get(pool)})`);
  }
  return named.replace(/: routes\[(\d+)\]/g, (whole, index: string) => {
    const key = assembled.routeKeys[Number(index)];
    return key ? `${whole} (key ${key})` : whole;
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
