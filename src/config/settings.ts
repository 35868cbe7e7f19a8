// The one schema of Fulcrum's settings: each has an env var, a CLI flag, a config-file key and a default.
// --help, --check-config and the README's configuration reference are all generated from this table.

import { DNS_SETTINGS } from './dns-settings.js';
import { L4_SETTINGS } from './l4-settings.js';
import { L7_SETTINGS } from './l7-settings.js';
import {
  formatDuration,
  formatHashKey,
  formatHealthCheckDefault,
  formatHostPort,
  InvalidValue,
  parseBackendList,
  parseBoolean,
  parseDuration,
  parseHashKey,
  parseHealthCheckDefault,
  parseHostPort,
  parseInteger,
  parseOneOf,
  parseOptionalHostPort,
  parseWorkers,
} from './parsers.js';
import { type SettingSpec, spec } from './setting-spec.js';
import { ALGORITHMS, LOG_LEVELS, type Settings } from './types.js';
import { UDP_SETTINGS } from './udp-settings.js';

export type { SettingSpec } from './setting-spec.js';

export const SETTINGS = [
  spec({
    key: 'mode',
    env: 'FULCRUM_MODE',
    flag: '--mode',
    defaultText: 'http',
    accepted: 'http | tcp | udp',
    description:
      'Which proxy runs: http = L7 reverse proxy (uWebSockets.js workers), tcp = L4 proxy (native epoll + splice threads), ' +
      'udp = L4 datagram proxy (native threads, a flow per client).',
    parse: (raw) => parseOneOf(raw, ['http', 'tcp', 'udp'] as const),
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
    key: 'reusePort',
    env: 'FULCRUM_REUSE_PORT',
    flag: '--reuse-port',
    defaultText: 'false',
    accepted: 'true | false',
    description:
      'Start even when another process listens on the listen address, and share the port with it (binary upgrade without downtime). Otherwise that is refused.',
    parse: parseBoolean,
    format: String,
  }),
  spec({
    key: 'backends',
    env: 'FULCRUM_BACKENDS',
    flag: '--backends',
    defaultText: '',
    accepted: 'host:port[*WEIGHT],... (weight 1-256); dns+a://name:port[*WEIGHT]; dns+srv://name',
    description:
      'Backends of the "default" pool, comma-separated, e.g. 10.0.0.1:80*3,10.0.0.2:80. dns+a:// and dns+srv:// entries follow DNS while running (docs/discovery.md).',
    parse: parseBackendList,
    format: (value) =>
      value.map((backend) => (backend.dns?.kind === 'srv' ? backend.address : `${backend.address}*${backend.weight}`)).join(','),
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
  spec({
    key: 'healthCheck',
    env: 'FULCRUM_HEALTH_CHECK',
    flag: '--health-check',
    defaultText: 'auto',
    accepted: 'auto | off | tcp | http:PATH | grpc[:SERVICE]',
    description:
      'Active health check of every pool unless its config-file healthCheck says otherwise. auto: in http mode GET / where any status below 500 is up (a backend that accepts but never answers goes down), in tcp mode a connect. http:PATH expects 200-399. grpc calls grpc.health.v1.Health/Check (over TLS for h2 pools, else h2c) for the whole server, grpc:SERVICE for one service; SERVING is up.',
    parse: parseHealthCheckDefault,
    format: formatHealthCheckDefault,
  }),
  spec({
    key: 'healthInterval',
    env: 'FULCRUM_HEALTH_INTERVAL',
    flag: '--health-interval',
    defaultText: '2s',
    accepted: 'duration, 100ms-1h',
    description: 'Time between active checks of one backend (a quarter of it while the backend changes state).',
    parse: (raw) => parseDuration(raw, { min: 100, max: 3_600_000 }),
    format: formatDuration,
  }),
  spec({
    key: 'healthTimeout',
    env: 'FULCRUM_HEALTH_TIMEOUT',
    flag: '--health-timeout',
    defaultText: '1s',
    accepted: 'duration, 10ms-1m',
    description: 'An active check that takes longer fails.',
    parse: (raw) => parseDuration(raw, { min: 10, max: 60_000 }),
    format: formatDuration,
  }),
  spec({
    key: 'healthRise',
    env: 'FULCRUM_HEALTH_RISE',
    flag: '--health-rise',
    defaultText: '2',
    accepted: '1-100',
    description: 'Consecutive passed checks that bring a down backend up.',
    parse: (raw) => parseInteger(raw, 1, 100),
    format: String,
  }),
  spec({
    key: 'healthFall',
    env: 'FULCRUM_HEALTH_FALL',
    flag: '--health-fall',
    defaultText: '3',
    accepted: '1-100',
    description: 'Consecutive failed checks that take an up backend down.',
    parse: (raw) => parseInteger(raw, 1, 100),
    format: String,
  }),
  spec({
    key: 'outlierFailures',
    env: 'FULCRUM_OUTLIER_FAILURES',
    flag: '--outlier-failures',
    defaultText: '5',
    accepted: '0-1000 (0 = off)',
    description: 'Consecutive failures seen in real traffic (connect errors, resets, timeouts) that eject a backend.',
    parse: (raw) => parseInteger(raw, 0, 1000),
    format: String,
  }),
  spec({
    key: 'outlierEjectionTime',
    env: 'FULCRUM_OUTLIER_EJECTION_TIME',
    flag: '--outlier-ejection-time',
    defaultText: '30s',
    accepted: 'duration, 100ms-1h',
    description: 'Base ejection time, multiplied by the number of times the backend was ejected (capped at 10x).',
    parse: (raw) => parseDuration(raw, { min: 100, max: 3_600_000 }),
    format: formatDuration,
  }),
  spec({
    key: 'outlierMaxPercent',
    env: 'FULCRUM_OUTLIER_MAX_PERCENT',
    flag: '--outlier-max-percent',
    defaultText: '50',
    accepted: '0-100',
    description: 'Passive ejection never takes out more than this share of a pool.',
    parse: (raw) => parseInteger(raw, 0, 100),
    format: String,
  }),
  spec({
    key: 'outlierSlowResponse',
    env: 'FULCRUM_OUTLIER_SLOW_RESPONSE',
    flag: '--outlier-slow-response',
    defaultText: '0',
    accepted: 'duration, 0-1h (0 = off)',
    description:
      'A response whose head arrives later than this after the request was sent counts as a failure for passive ejection (pools in http mode; a tcp connection has no response head).',
    parse: (raw) => parseDuration(raw, { max: 3_600_000 }),
    format: formatDuration,
  }),
  spec({
    key: 'slowStart',
    env: 'FULCRUM_SLOW_START',
    flag: '--slow-start',
    defaultText: '0',
    accepted: 'duration, 0 = off',
    description: 'A backend that comes back ramps its effective weight from 10% to full over this window.',
    parse: (raw) => parseDuration(raw, { max: 3_600_000 }),
    format: formatDuration,
  }),
  spec({
    key: 'latencyHalfLife',
    env: 'FULCRUM_LATENCY_HALF_LIFE',
    flag: '--latency-half-life',
    defaultText: '1s',
    accepted: 'duration, 1ms-1h',
    description:
      "How fast a backend's latency average (least-latency, ewmaMs in /stats) forgets a slow sample: it halves every this long. A slower sample replaces it at once.",
    parse: (raw) => parseDuration(raw, { min: 1, max: 3_600_000 }),
    format: formatDuration,
  }),
  spec({
    key: 'drainTimeout',
    env: 'FULCRUM_DRAIN_TIMEOUT',
    flag: '--drain-timeout',
    defaultText: '10s',
    accepted: 'duration, 0-1h',
    description: 'On SIGTERM or SIGINT, how long in-flight requests and connections may take to finish.',
    parse: (raw) => parseDuration(raw, { max: 3_600_000 }),
    format: formatDuration,
  }),
  spec({
    key: 'adminToken',
    env: 'FULCRUM_ADMIN_TOKEN',
    flag: '--admin-token',
    defaultText: '',
    accepted: 'a secret of 16+ characters',
    description: 'Bearer token for the admin API; required when it listens beyond loopback.',
    parse: (raw) => parseSecret(raw),
    format: (value) => (value ? '(set)' : ''),
  }),
  spec({
    key: 'watchConfig',
    env: 'FULCRUM_WATCH_CONFIG',
    flag: '--watch-config',
    defaultText: 'false',
    accepted: 'true | false',
    description: 'Reload when the config file changes (SIGHUP always reloads; an etcd:// configuration is always watched).',
    parse: parseBoolean,
    format: String,
  }),
  spec({
    key: 'accessLog',
    env: 'FULCRUM_ACCESS_LOG',
    flag: '--access-log',
    defaultText: 'false',
    accepted: 'true | false',
    description: 'Log one JSON line per request (http), connection (tcp) or flow (udp); see docs/operations.md.',
    parse: parseBoolean,
    format: String,
  }),
  ...L7_SETTINGS,
  ...L4_SETTINGS,
  ...UDP_SETTINGS,
  ...DNS_SETTINGS,
] as const satisfies readonly SettingSpec<keyof Settings>[];

function parseSecret(raw: string): string | null {
  if (raw === '') return null;
  if (raw.length < 16) throw new InvalidValue('the token must be at least 16 characters');
  return raw;
}

/** FULCRUM_CONFIG is not a setting of its own: it says where the other settings' file is. */
export const CONFIG_FILE_ENV = 'FULCRUM_CONFIG';
export const CONFIG_FILE_FLAG = '--config';
