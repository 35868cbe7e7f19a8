// Builds the effective config: flag > env > file > default for every setting, then pools and routes from the file.
import { dirname, resolve } from 'node:path';
import { FulcrumError } from '../errors.js';
import { parseAccessRules, withGlobalAccess } from './access-rules.js';
import { NO_TCP_ACCESS, parseMaxConnectionsPerIp, refuseWithUdp, tcpAccess } from './connection-limits.js';
import { checkBackupCycles, checkDuplicateBackends, checkExtraListeners, checkListenAddresses } from './cross-checks.js';
import { checkDnsTtls } from './dns-settings.js';
import { isEtcdLocation } from './etcd/etcd-url.js';
import { readConfigFile } from './file.js';
import { defaultPoolHealth } from './health.js';
import { parseL4Listeners, type Transport } from './l4-listeners.js';
import { parseListeners } from './listeners.js';
import { formatHealthCheckDefault, formatHostPort } from './parsers.js';
import { parseFileBackends, parsePools } from './pools.js';
import { ConfigProblems } from './problems.js';
import { parseRateLimit } from './rate-limit.js';
import { globalIpCap } from './request-caps.js';
import { parseRoutes } from './routes.js';
import { CONFIG_FILE_ENV, CONFIG_FILE_FLAG, SETTINGS, type SettingSpec } from './settings.js';
import { checkKeys, scalarText } from './shape.js';
import { checkTlsSettings, parseTlsSection } from './tls.js';
import { DEFAULT_POOL, type FulcrumConfig, type PoolConfig, type SettingSource, type Settings } from './types.js';
import { defaultUpstreamTls } from './upstream-protocol.js';
import { parseWaf } from './waf.js';

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export const FILE_SECTIONS = ['pools', 'routes', 'tls', 'listeners', 'access', 'rateLimit', 'maxConnectionsPerIp', 'waf'] as const;

export interface ConfigInputs {
  /** CLI flags by name, e.g. "--listen" → "0.0.0.0:80". */
  flags: ReadonlyMap<string, string>;
  env: NodeJS.ProcessEnv;
  /** The demo (`npm start`) supplies its own backends, so an empty pool is allowed there. */
  allowNoBackends?: boolean;
  /** A document read elsewhere (etcd) in place of the config file, with the name its errors use. */
  document?: { values: Record<string, unknown>; label: string };
}

interface Resolved<K extends keyof Settings> {
  value: Settings[K] | undefined;
  source: SettingSource;
}

function resolveSetting<K extends keyof Settings>(
  setting: SettingSpec<K>,
  inputs: ConfigInputs,
  file: Record<string, unknown>,
  fileLabel: string,
  problems: ConfigProblems,
): Resolved<K> {
  const flagValue = inputs.flags.get(setting.flag);
  if (flagValue !== undefined) {
    return { value: problems.attempt(setting.flag, flagValue, () => setting.parse(flagValue)), source: 'flag' };
  }
  const envValue = inputs.env[setting.env];
  if (envValue !== undefined && envValue !== '') {
    return { value: problems.attempt(setting.env, envValue, () => setting.parse(envValue)), source: 'env' };
  }
  const fileValue = file[setting.key];
  if (fileValue !== undefined) {
    const where = `${fileLabel}: ${setting.key}`;
    if (setting.key === 'backends') {
      return { value: parseFileBackends(fileValue, where, problems) as Settings[K] | undefined, source: 'file' };
    }
    const text = scalarText(fileValue);
    if (text === undefined) {
      problems.add(where, fileValue, `expected ${setting.accepted}`);
      return { value: undefined, source: 'file' };
    }
    return { value: problems.attempt(where, fileValue, () => setting.parse(text)), source: 'file' };
  }
  return { value: setting.parse(setting.defaultText), source: 'default' };
}

/** Where a value came from, in the user's terms; a default is named by its variable, the usual way to change it. */
function describe(setting: SettingSpec, source: SettingSource, fileLabel: string): string {
  if (source === 'flag') return setting.flag;
  if (source === 'file') return `${fileLabel}: ${setting.key}`;
  return setting.env;
}

/** FULCRUM_CONFIG or --config as given: a file path, or etcd://HOST:PORT/PREFIX. */
export function configPathOf(inputs: Pick<ConfigInputs, 'flags' | 'env'>): string | undefined {
  return inputs.flags.get(CONFIG_FILE_FLAG) ?? (inputs.env[CONFIG_FILE_ENV] || undefined);
}

export function loadConfig(inputs: ConfigInputs): FulcrumConfig {
  const problems = new ConfigProblems();
  const configPath = inputs.document ? undefined : configPathOf(inputs);
  if (configPath && isEtcdLocation(configPath)) {
    throw new FulcrumError(
      'FULCRUM_ERR_CONFIG',
      `${configPath} is read through EtcdConfigSource before loadConfig (a bug if you see this)`,
    );
  }
  const configFile = configPath ? resolve(configPath) : null;
  const file = inputs.document?.values ?? (configFile ? readConfigFile(configFile) : {});
  const fileLabel = inputs.document?.label ?? configFile ?? 'config file';
  checkKeys(file, [...SETTINGS.map((setting) => setting.key), ...FILE_SECTIONS], fileLabel, problems);

  const settings: Partial<Settings> = {};
  const sources: Partial<Record<keyof Settings, SettingSource>> = {};
  for (const setting of SETTINGS as readonly SettingSpec[]) {
    const { value, source } = resolveSetting(setting, inputs, file, fileLabel, problems);
    (settings as Record<string, unknown>)[setting.key] = value;
    sources[setting.key] = source;
  }
  problems.throwIfAny();
  const complete = settings as Settings;
  const where = (key: keyof Settings) =>
    describe(SETTINGS.find((setting) => setting.key === key) as SettingSpec, sources[key] as SettingSource, fileLabel);

  if (complete.adminListen && !isLoopback(complete.adminListen.host) && !complete.adminToken) {
    problems.add(
      where('adminListen'),
      formatHostPort(complete.adminListen),
      'the admin API listens beyond loopback, so it needs FULCRUM_ADMIN_TOKEN (16+ characters) set too',
    );
  }
  // tcp and udp relay bytes or datagrams: no HTTP, one pool.
  const l4 = complete.mode !== 'http';
  const datagramCheck = complete.healthCheck.kind === 'udp' || complete.healthCheck.kind === 'dns';
  if (complete.mode === 'udp' && !datagramCheck && complete.healthCheck.kind !== 'auto' && complete.healthCheck.kind !== 'off') {
    problems.add(
      where('healthCheck'),
      formatHealthCheckDefault(complete.healthCheck),
      'udp backends take no connection or HTTP request; use udp:TEXT (any reply is up), dns:NAME (a DNS query) or off',
    );
  }
  if (complete.mode !== 'udp' && datagramCheck) {
    problems.add(where('healthCheck'), formatHealthCheckDefault(complete.healthCheck), 'udp: and dns: checks are for FULCRUM_MODE=udp');
  }
  if (l4 && complete.hashKey.kind !== 'ip') {
    problems.add(
      where('hashKey'),
      file.hashKey ?? inputs.env.FULCRUM_HASH_KEY,
      `${complete.mode} mode can only hash on ip (it sees no HTTP headers)`,
    );
  }
  if (l4 && complete.upstreamProtocol !== 'http/1.1') {
    problems.add(
      where('upstreamProtocol'),
      complete.upstreamProtocol,
      `${complete.mode} mode relays bytes and speaks no HTTP upstream; remove it, or set FULCRUM_MODE=http for an HTTP/2 or gRPC upstream`,
    );
  }
  const filePools = parsePools(file.pools, `${fileLabel}: pools`, complete, configFile ? dirname(configFile) : process.cwd(), problems);
  const defaultPool: PoolConfig[] =
    complete.backends.length > 0
      ? [
          {
            name: DEFAULT_POOL,
            algorithm: complete.algorithm,
            hashKey: complete.hashKey,
            backends: complete.backends,
            ...defaultPoolHealth(complete),
            protocol: complete.upstreamProtocol,
            upstreamTls: defaultUpstreamTls(complete.upstreamProtocol),
          },
        ]
      : [];
  const pools = [...defaultPool, ...filePools];
  const poolNames = new Set(pools.map((pool) => pool.name));
  for (const pool of filePools) {
    if (pool.backup && !poolNames.has(pool.backup)) {
      problems.add(
        `${fileLabel}: pools.${pool.name}.backup`,
        pool.backup,
        `expected the name of a configured pool (${[...poolNames].join(', ')})`,
      );
    }
  }
  checkListenAddresses(complete, where, problems);
  checkDuplicateBackends(
    pools,
    (pool) => (pool.name === DEFAULT_POOL ? where('backends') : `${fileLabel}: pools.${pool.name}.backends`),
    problems,
  );
  checkBackupCycles(filePools, (pool) => `${fileLabel}: pools.${pool.name}.backup`, problems);
  checkDnsTtls(complete, where, problems);
  const configDir = configFile ? dirname(configFile) : process.cwd();
  const fileRoutes = parseRoutes(file.routes, `${fileLabel}: routes`, poolNames, problems, configDir);
  const globalAccess = file.access === undefined ? [] : parseAccessRules(file.access, `${fileLabel}: access`, problems);
  const globalLimit =
    file.rateLimit === undefined ? undefined : parseRateLimit(file.rateLimit, `${fileLabel}: rateLimit`, 'global', problems);
  const fileKey = (key: string) => `${fileLabel}: ${key}`;
  const tcp = complete.mode === 'tcp' ? tcpAccess(globalAccess, file.access, globalLimit, fileKey, problems) : NO_TCP_ACCESS;
  const maxConnectionsPerIp =
    file.maxConnectionsPerIp === undefined
      ? null
      : (parseMaxConnectionsPerIp(file.maxConnectionsPerIp, fileKey('maxConnectionsPerIp'), problems) ?? null);
  const globalCap = l4 || maxConnectionsPerIp === null ? undefined : globalIpCap(maxConnectionsPerIp);
  const globalWaf = file.waf === undefined || l4 ? undefined : parseWaf(file.waf, fileKey('waf'), configDir, problems);
  if (l4 && file.waf !== undefined) problems.add(fileKey('waf'), '…', `waf applies to http mode; ${complete.mode} mode sees no HTTP`);
  const routes = l4 ? fileRoutes : withGlobalAccess(fileRoutes, globalAccess, globalLimit, globalCap, defaultPool.length > 0, globalWaf);
  const tlsCertificates = parseTlsSection(file.tls, `${fileLabel}: tls`, configFile ? dirname(configFile) : process.cwd(), problems);
  checkTlsSettings(complete, tlsCertificates, where, `${fileLabel}: tls.certificates`, problems);
  const listenersAt = `${fileLabel}: listeners`;
  // http mode's extra listeners choose a front; tcp and udp mode's a transport over the same backends.
  const listeners = l4
    ? []
    : parseListeners(file.listeners, listenersAt, { protocols: complete.protocols, tls: complete.tlsCert !== null }, problems);
  const l4Listeners = l4 ? parseL4Listeners(file.listeners, listenersAt, complete.listen, complete.mode as Transport, problems) : [];
  checkExtraListeners(complete, listeners, where, listenersAt, problems);
  refuseWithUdp(complete.mode, l4Listeners, file, fileKey, problems);
  problems.throwIfAny();

  if (l4 && (filePools.length > 0 || routes.length > 0)) {
    problems.add(
      `${fileLabel}: pools`,
      Object.keys(file.pools ?? {}),
      `${complete.mode} mode serves the "${DEFAULT_POOL}" pool only; set FULCRUM_BACKENDS and remove pools/routes`,
    );
  } else if (pools.length === 0 && !inputs.allowNoBackends) {
    problems.add(
      'FULCRUM_BACKENDS',
      inputs.env.FULCRUM_BACKENDS ?? '',
      'no backends are configured. Set FULCRUM_BACKENDS=host:port[,host:port...] or define pools in a FULCRUM_CONFIG file ' +
        '("npm start" without backends runs a demo instead)',
    );
  } else if (defaultPool.length === 0 && filePools.length > 0 && routes.length === 0) {
    problems.add(`${fileLabel}: routes`, [], 'pools are defined but no route points at them and FULCRUM_BACKENDS is empty; add routes');
  }
  problems.throwIfAny();
  return {
    ...complete,
    pools,
    routes,
    tlsCertificates,
    listeners,
    l4Listeners,
    tcpAccess: tcp,
    maxConnectionsPerIp,
    sources: sources as FulcrumConfig['sources'],
    configFile,
  };
}
