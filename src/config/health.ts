// A pool's availability settings: its active health check, passive ejection (outlier detection), slow start.
// Env settings are the defaults; a pool's config-file keys override them.
import { InvalidValue, parseBoolean, parseDuration, parseInteger } from './parsers.js';
import type { ConfigProblems } from './problems.js';
import { checkKeys, type Document, isMapping, scalarText } from './shape.js';
import type { GrpcCheckConfig, HealthCheckConfig, HttpCheckConfig, OutlierConfig, PoolConfig, Settings } from './types.js';

const CHECK_KEYS = [
  'kind',
  'interval',
  'fastInterval',
  'timeout',
  'rise',
  'fall',
  'method',
  'path',
  'host',
  'expectStatus',
  'expectBody',
  'service',
] as const;
/** Keys that only one kind of check takes, with the kind that does. */
const HTTP_ONLY_KEYS = ['method', 'path', 'host', 'expectStatus', 'expectBody'] as const;
const GRPC_ONLY_KEYS = ['service'] as const;
const OUTLIER_KEYS = [
  'consecutiveFailures',
  'include5xx',
  'baseEjectionTime',
  'maxEjectionTime',
  'maxEjectionPercent',
  'slowResponse',
] as const;
const MAX_EJECTION_MULTIPLIER = 10;

/** "200-399", "200,204", "2xx" style lists → inclusive ranges. */
export function parseStatusRanges(raw: string): [number, number][] {
  return raw.split(',').map((part) => {
    const text = part.trim();
    const wildcard = /^([1-5])xx$/.exec(text);
    if (wildcard) return [Number(wildcard[1]) * 100, Number(wildcard[1]) * 100 + 99];
    const range = /^(\d{3})(?:-(\d{3}))?$/.exec(text);
    const low = Number(range?.[1]);
    const high = Number(range?.[2] ?? range?.[1]);
    if (!range || low < 100 || high > 599 || low > high) {
      throw new InvalidValue('expected status codes or ranges such as 200, 200-399, 2xx, comma-separated');
    }
    return [low, high];
  });
}

/**
 * FULCRUM_HEALTH_CHECK=auto in http mode. A connect alone passes for a backend that accepts and never
 * answers, or answers in seconds; an HTTP request within the check timeout does not. Any status below 500
 * is up, because an application's "/" may well answer 404 or 401 and still serve.
 */
const AUTO_HTTP_PROBE: HttpCheckConfig = { method: 'GET', path: '/', host: null, expectStatus: [[100, 499]], expectBody: null };

/** What the default check sends: FULCRUM_HEALTH_CHECK, with auto resolved by mode; null when off. */
function defaultProbe(settings: Settings): Pick<HealthCheckConfig, 'kind' | 'http' | 'grpc' | 'datagram'> | null {
  const { healthCheck } = settings;
  switch (healthCheck.kind) {
    case 'off':
      return null;
    case 'tcp':
      return { kind: 'tcp', http: null, grpc: null };
    case 'http':
      return {
        kind: 'http',
        http: { method: 'GET', path: healthCheck.path, host: null, expectStatus: [[200, 399]], expectBody: null },
        grpc: null,
      };
    case 'grpc':
      return { kind: 'grpc', http: null, grpc: { service: healthCheck.service } };
    case 'udp':
      return { kind: 'udp', http: null, grpc: null, datagram: { payload: healthCheck.payload, dnsName: null } };
    case 'dns':
      return { kind: 'dns', http: null, grpc: null, datagram: { payload: '', dnsName: healthCheck.name } };
    case 'auto':
      // A UDP backend accepts no connection to test, and has no universal request: udp mode checks only when told how.
      if (settings.mode === 'udp') return null;
      return settings.mode === 'http' ? { kind: 'http', http: AUTO_HTTP_PROBE, grpc: null } : { kind: 'tcp', http: null, grpc: null };
  }
}

function defaultCheck(settings: Settings): HealthCheckConfig | null {
  const probe = defaultProbe(settings);
  if (!probe) return null;
  return {
    ...probe,
    intervalMs: settings.healthInterval,
    fastIntervalMs: Math.max(100, Math.round(settings.healthInterval / 4)),
    timeoutMs: settings.healthTimeout,
    rise: settings.healthRise,
    fall: settings.healthFall,
  };
}

export function defaultOutlier(settings: Settings): OutlierConfig | null {
  if (settings.outlierFailures === 0) return null;
  return {
    consecutiveFailures: settings.outlierFailures,
    include5xx: false,
    baseEjectionMs: settings.outlierEjectionTime,
    maxEjectionMs: settings.outlierEjectionTime * MAX_EJECTION_MULTIPLIER,
    maxEjectionPercent: settings.outlierMaxPercent,
    slowResponseMs: settings.outlierSlowResponse,
  };
}

function field<T>(node: Document, key: string, at: string, problems: ConfigProblems, parse: (text: string) => T, fallback: T): T {
  if (node[key] === undefined) return fallback;
  const text = scalarText(node[key]);
  const parsed = problems.attempt(`${at}.${key}`, node[key], () => {
    if (text === undefined) throw new InvalidValue('expected a single value');
    return parse(text);
  });
  return parsed === undefined ? fallback : parsed;
}

function parseGrpcProbe(value: Document, at: string, problems: ConfigProblems, base: GrpcCheckConfig | null): GrpcCheckConfig {
  const service = value.service;
  if (service === undefined) return { service: base?.service ?? '' };
  if (typeof service !== 'string') {
    problems.add(`${at}.service`, service, 'expected a gRPC service name as a string, such as "" (the whole server) or "pkg.Service"');
    return { service: '' };
  }
  return { service };
}

/** A key of another kind's probe is a mistake the operator should hear about, not a silent no-op. */
function rejectOtherKindsKeys(value: Document, kind: HealthCheckConfig['kind'], at: string, problems: ConfigProblems): void {
  const onlyFor: [readonly string[], 'http' | 'grpc'][] = [
    [HTTP_ONLY_KEYS, 'http'],
    [GRPC_ONLY_KEYS, 'grpc'],
  ];
  for (const [keys, owner] of onlyFor) {
    if (kind === owner) continue;
    for (const key of keys) {
      if (value[key] !== undefined) problems.add(`${at}.${key}`, value[key], `only ${owner} checks take this key; set kind: ${owner}`);
    }
  }
}

export function parseHealthCheck(value: unknown, at: string, settings: Settings, problems: ConfigProblems): HealthCheckConfig | null {
  const base = defaultCheck(settings);
  if (value === undefined) return base;
  if (value === 'off' || value === false) return null;
  if (!isMapping(value)) {
    problems.add(at, value, 'expected off or a mapping with kind (tcp | http | grpc) and timing');
    return base;
  }
  checkKeys(value, CHECK_KEYS, at, problems);
  const kind = field(
    value,
    'kind',
    at,
    problems,
    (text) => {
      if (text !== 'tcp' && text !== 'http' && text !== 'grpc') throw new InvalidValue('expected tcp, http or grpc');
      return text;
    },
    base?.kind ?? 'tcp',
  );
  const intervalMs = field(
    value,
    'interval',
    at,
    problems,
    (text) => parseDuration(text, { min: 100, max: 3_600_000 }),
    settings.healthInterval,
  );
  const check: HealthCheckConfig = {
    kind,
    intervalMs,
    fastIntervalMs: field(
      value,
      'fastInterval',
      at,
      problems,
      (text) => parseDuration(text, { min: 50, max: 3_600_000 }),
      Math.max(100, Math.round(intervalMs / 4)),
    ),
    timeoutMs: field(value, 'timeout', at, problems, (text) => parseDuration(text, { min: 10, max: 60_000 }), settings.healthTimeout),
    rise: field(value, 'rise', at, problems, (text) => parseInteger(text, 1, 100), settings.healthRise),
    fall: field(value, 'fall', at, problems, (text) => parseInteger(text, 1, 100), settings.healthFall),
    http: null,
    grpc: null,
  };
  if (kind === 'http') {
    check.http = {
      method: field(
        value,
        'method',
        at,
        problems,
        (text) => {
          if (!/^[A-Z]+$/.test(text)) throw new InvalidValue('expected an upper-case HTTP method such as GET or HEAD');
          return text;
        },
        'GET',
      ),
      path: field(
        value,
        'path',
        at,
        problems,
        (text) => {
          if (!text.startsWith('/')) throw new InvalidValue('expected a path starting with "/"');
          return text;
        },
        base?.http?.path ?? '/',
      ),
      host: field<string | null>(value, 'host', at, problems, (text) => text, null),
      // A mapping that names neither kind nor path only retimes the default probe, and keeps its statuses.
      expectStatus: field(
        value,
        'expectStatus',
        at,
        problems,
        parseStatusRanges,
        value.kind === undefined && value.path === undefined ? (base?.http?.expectStatus ?? [[200, 399]]) : [[200, 399]],
      ),
      expectBody: field<string | null>(value, 'expectBody', at, problems, (text) => text, null),
    };
  }
  if (kind === 'grpc') check.grpc = parseGrpcProbe(value, at, problems, base?.grpc ?? null);
  rejectOtherKindsKeys(value, kind, at, problems);
  return check;
}

export function parseOutlier(value: unknown, at: string, settings: Settings, problems: ConfigProblems): OutlierConfig | null {
  const base = defaultOutlier(settings);
  if (value === undefined) return base;
  if (value === 'off' || value === false) return null;
  if (!isMapping(value)) {
    problems.add(at, value, 'expected off or a mapping of outlier-detection settings');
    return base;
  }
  checkKeys(value, OUTLIER_KEYS, at, problems);
  const baseEjectionMs = field(
    value,
    'baseEjectionTime',
    at,
    problems,
    (text) => parseDuration(text, { min: 100, max: 3_600_000 }),
    settings.outlierEjectionTime,
  );
  return {
    consecutiveFailures: field(
      value,
      'consecutiveFailures',
      at,
      problems,
      (text) => parseInteger(text, 1, 1000),
      settings.outlierFailures || 5,
    ),
    include5xx: field(value, 'include5xx', at, problems, parseBoolean, false),
    baseEjectionMs,
    maxEjectionMs: field(
      value,
      'maxEjectionTime',
      at,
      problems,
      (text) => parseDuration(text, { min: 100, max: 86_400_000 }),
      baseEjectionMs * MAX_EJECTION_MULTIPLIER,
    ),
    maxEjectionPercent: field(value, 'maxEjectionPercent', at, problems, (text) => parseInteger(text, 0, 100), settings.outlierMaxPercent),
    slowResponseMs: field(
      value,
      'slowResponse',
      at,
      problems,
      (text) => parseDuration(text, { max: 3_600_000 }),
      settings.outlierSlowResponse,
    ),
  };
}

export function parseSlowStart(value: unknown, at: string, settings: Settings, problems: ConfigProblems): number {
  if (value === undefined) return settings.slowStart;
  const text = scalarText(value);
  const parsed = problems.attempt(at, value, () => parseDuration(text ?? '', { max: 3_600_000 }));
  return parsed ?? settings.slowStart;
}

/** Health settings of the "default" pool, which has no config-file section of its own. */
export function defaultPoolHealth(settings: Settings): Pick<PoolConfig, 'healthCheck' | 'outlier' | 'slowStartMs' | 'backup'> {
  return { healthCheck: defaultCheck(settings), outlier: defaultOutlier(settings), slowStartMs: settings.slowStart, backup: null };
}
