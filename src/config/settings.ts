// The one schema of Fulcrum's settings: each has an env var, a CLI flag, a config-file key and a default.
// --help, --check-config and the README's configuration reference are all generated from this table.
import {
  formatHashKey,
  formatHostPort,
  parseBackendList,
  parseHashKey,
  parseHostPort,
  parseOneOf,
  parseOptionalHostPort,
  parseWorkers,
} from './parsers.js';
import { ALGORITHMS, LOG_LEVELS, type Settings } from './types.js';

export interface SettingSpec<K extends keyof Settings = keyof Settings> {
  key: K;
  env: string;
  flag: string;
  defaultText: string;
  accepted: string;
  description: string;
  parse(raw: string): Settings[K];
  format(value: Settings[K]): string;
}

function spec<K extends keyof Settings>(setting: SettingSpec<K>): SettingSpec<K> {
  return setting;
}

export const SETTINGS = [
  spec({
    key: 'mode',
    env: 'FULCRUM_MODE',
    flag: '--mode',
    defaultText: 'http',
    accepted: 'http | tcp',
    description: 'http: L7 reverse proxy (uWebSockets.js workers). tcp: L4 proxy (native epoll + splice threads).',
    parse: (raw) => parseOneOf(raw, ['http', 'tcp'] as const),
    format: (value) => value,
  }),
  spec({
    key: 'listen',
    env: 'FULCRUM_LISTEN',
    flag: '--listen',
    defaultText: '127.0.0.1:8080',
    accepted: 'host:port, [ipv6]:port',
    description: 'Address the proxy listens on. Use 0.0.0.0:PORT to accept from other machines.',
    parse: parseHostPort,
    format: formatHostPort,
  }),
  spec({
    key: 'backends',
    env: 'FULCRUM_BACKENDS',
    flag: '--backends',
    defaultText: '',
    accepted: 'host:port[*WEIGHT],... (weight 1-256)',
    description: 'Backends of the "default" pool, comma-separated, e.g. 10.0.0.1:80*3,10.0.0.2:80.',
    parse: parseBackendList,
    format: (value) => value.map((backend) => `${backend.address}*${backend.weight}`).join(','),
  }),
  spec({
    key: 'algorithm',
    env: 'FULCRUM_ALGORITHM',
    flag: '--algorithm',
    defaultText: 'round-robin',
    accepted: ALGORITHMS.join(' | '),
    description: 'How the "default" pool picks a backend.',
    parse: (raw) => parseOneOf(raw, ALGORITHMS),
    format: (value) => value,
  }),
  spec({
    key: 'hashKey',
    env: 'FULCRUM_HASH_KEY',
    flag: '--hash-key',
    defaultText: 'ip',
    accepted: 'ip | path | header:NAME | cookie:NAME | query:NAME (tcp: ip only)',
    description: 'What consistent-hash hashes in the "default" pool.',
    parse: parseHashKey,
    format: formatHashKey,
  }),
  spec({
    key: 'workers',
    env: 'FULCRUM_WORKERS',
    flag: '--workers',
    defaultText: 'auto',
    accepted: 'auto | 1-256',
    description: 'Worker threads (http) or native event-loop threads (tcp). auto = one per core.',
    parse: parseWorkers,
    format: String,
  }),
  spec({
    key: 'adminListen',
    env: 'FULCRUM_ADMIN_LISTEN',
    flag: '--admin-listen',
    defaultText: '127.0.0.1:9090',
    accepted: 'host:port | off',
    description: 'Address of the admin API (/healthz, /stats). off disables it.',
    parse: parseOptionalHostPort,
    format: (value) => (value ? formatHostPort(value) : 'off'),
  }),
  spec({
    key: 'logLevel',
    env: 'FULCRUM_LOG_LEVEL',
    flag: '--log-level',
    defaultText: 'info',
    accepted: LOG_LEVELS.join(' | '),
    description: 'Least severe level written to stdout as JSON lines.',
    parse: (raw) => parseOneOf(raw, LOG_LEVELS),
    format: (value) => value,
  }),
] as const satisfies readonly SettingSpec<keyof Settings>[];

/** FULCRUM_CONFIG is not a setting of its own: it says where the other settings' file is. */
export const CONFIG_FILE_ENV = 'FULCRUM_CONFIG';
export const CONFIG_FILE_FLAG = '--config';
