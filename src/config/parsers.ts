// Value parsers shared by env, flags and the config file; each throws InvalidValue naming what is accepted.
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { isDnsBackend, parseDnsBackend } from './dns-backend.js';
import { InvalidValue } from './invalid-value.js';
import type { BackendConfig, HashKey, HealthCheckDefault, HostPort } from './types.js';

export { InvalidValue };

const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
export const MAX_WEIGHT = 256;
export const MAX_WORKERS = 256;

export function parseOneOf<T extends string>(raw: string, accepted: readonly T[]): T {
  const value = raw.trim();
  if ((accepted as readonly string[]).includes(value)) return value as T;
  throw new InvalidValue(`expected one of: ${accepted.join(', ')}`);
}

export function parseHostPort(raw: string): HostPort {
  const value = raw.trim();
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(value);
  const plain = /^([^:]+):(\d+)$/.exec(value);
  const match = bracketed ?? plain;
  if (!match) {
    throw new InvalidValue('expected host:port, e.g. 127.0.0.1:8080, backend.internal:80 or [::1]:8080');
  }
  const host = match[1] as string;
  const port = Number(match[2]);
  if (bracketed ? isIP(host) !== 6 : !(isIP(host) === 4 || HOSTNAME.test(host))) {
    throw new InvalidValue(`"${host}" is not an IP address or host name; expected host:port, e.g. 127.0.0.1:8080`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidValue(`port ${match[2]} is out of range; expected a port from 1 to 65535`);
  }
  return { host, port };
}

export function parseBackend(raw: string): BackendConfig {
  const [address = '', weightText, ...rest] = raw.trim().split('*');
  if (rest.length > 0) throw new InvalidValue(`"${raw}" has more than one "*"; expected host:port or host:port*WEIGHT`);
  if (isDnsBackend(address)) return parseDnsBackend(address.trim(), weightText === undefined ? null : parseWeight(weightText));
  const { host, port } = parseHostPort(address);
  const weight = weightText === undefined ? 1 : parseWeight(weightText);
  return { address: address.trim(), host, port, weight };
}

export function parseWeight(raw: string | number): number {
  const weight = typeof raw === 'number' ? raw : Number(raw.trim());
  if (!Number.isInteger(weight) || weight < 1 || weight > MAX_WEIGHT || String(raw).trim() === '') {
    throw new InvalidValue(
      `weight "${raw}" is not allowed; expected a whole number from 1 to ${MAX_WEIGHT} (to take a backend out, drain or disable it)`,
    );
  }
  return weight;
}

export function parseBackendList(raw: string): BackendConfig[] {
  const entries = raw.split(',').map((entry) => entry.trim());
  if (raw.trim() === '') return [];
  return entries.map((entry) => {
    if (entry === '') throw new InvalidValue('an entry is empty; expected comma-separated host:port[*WEIGHT] entries');
    try {
      return parseBackend(entry);
    } catch (error) {
      if (error instanceof InvalidValue) throw new InvalidValue(`entry "${entry}": ${error.message}`);
      throw error;
    }
  });
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function parseHashKey(raw: string): HashKey {
  const value = raw.trim();
  if (value === 'ip') return { kind: 'ip' };
  if (value === 'path') return { kind: 'path' };
  const match = /^(header|cookie|query):(.+)$/.exec(value);
  if (match) {
    const kind = match[1] as 'header' | 'cookie' | 'query';
    const name = (match[2] as string).trim();
    if (kind === 'header' && !HEADER_NAME.test(name)) {
      throw new InvalidValue(`"${name}" is not a valid header name`);
    }
    return { kind, name: kind === 'header' ? name.toLowerCase() : name };
  }
  throw new InvalidValue('expected ip, path, header:NAME, cookie:NAME or query:NAME');
}

export function formatHashKey(key: HashKey): string {
  return 'name' in key ? `${key.kind}:${key.name}` : key.kind;
}

export function parseWorkers(raw: string): number {
  const value = raw.trim();
  if (value === 'auto') return availableParallelism();
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < 1 || count > MAX_WORKERS) {
    throw new InvalidValue(`expected "auto" or a whole number from 1 to ${MAX_WORKERS}`);
  }
  return count;
}

export function parseOptionalHostPort(raw: string): HostPort | null {
  return raw.trim() === 'off' ? null : parseHostPort(raw);
}

export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** "500ms", "2s", "1.5m", "1h" → milliseconds; a bare 0 is allowed for "off". */
export function parseDuration(raw: string, { min = 0, max = 86_400_000 }: { min?: number; max?: number } = {}): number {
  const value = raw.trim();
  if (value === '0') {
    if (min > 0) throw new InvalidValue(`expected a duration of at least ${min} ms, e.g. 500ms or 2s`);
    return 0;
  }
  const match = DURATION.exec(value);
  if (!match) throw new InvalidValue('expected a duration such as 500ms, 2s, 1.5m or 1h');
  const milliseconds = Math.round(Number(match[1]) * (DURATION_UNITS[match[2] as string] as number));
  if (milliseconds < min || milliseconds > max) {
    throw new InvalidValue(`expected a duration from ${formatDuration(min)} to ${formatDuration(max)}`);
  }
  return milliseconds;
}

export function formatDuration(milliseconds: number): string {
  if (milliseconds === 0) return '0';
  if (milliseconds % 3_600_000 === 0) return `${milliseconds / 3_600_000}h`;
  if (milliseconds % 60_000 === 0) return `${milliseconds / 60_000}m`;
  if (milliseconds % 1_000 === 0) return `${milliseconds / 1_000}s`;
  return `${milliseconds}ms`;
}

/** A whole number within [min, max]. */
export function parseInteger(raw: string, min: number, max: number): number {
  const value = raw.trim();
  const number = Number(value);
  if (!/^-?\d+$/.test(value) || number < min || number > max) {
    throw new InvalidValue(`expected a whole number from ${min} to ${max}`);
  }
  return number;
}

export function parseBoolean(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new InvalidValue('expected true or false');
}

export function parseHealthCheckDefault(raw: string): HealthCheckDefault {
  const value = raw.trim();
  if (value === 'auto' || value === 'off' || value === 'tcp') return { kind: value };
  if (value.startsWith('http:/')) return { kind: 'http', path: value.slice('http:'.length) };
  // grpc asks about the whole server (service ""), grpc:NAME about one service.
  if (value === 'grpc' || value.startsWith('grpc:')) return { kind: 'grpc', service: value.slice('grpc:'.length) };
  // udp mode: udp:TEXT sends TEXT and any reply is up; dns:NAME asks for NAME's A record, NOERROR is up.
  if (value.startsWith('udp:') && value.length > 'udp:'.length) return { kind: 'udp', payload: value.slice('udp:'.length) };
  if (value.startsWith('dns:')) {
    const name = value.slice('dns:'.length).replace(/\.$/, '');
    if (!HOSTNAME.test(name)) throw new InvalidValue('expected dns:NAME with a domain name, such as dns:example.com');
    return { kind: 'dns', name };
  }
  throw new InvalidValue(
    'expected auto, off, tcp, http:PATH (such as http:/healthz), grpc[:SERVICE] (such as grpc:shop.Cart), ' +
      'or in udp mode udp:TEXT or dns:NAME (such as dns:example.com)',
  );
}

export function formatHealthCheckDefault(value: HealthCheckDefault): string {
  if (value.kind === 'http') return `http:${value.path}`;
  if (value.kind === 'grpc') return value.service ? `grpc:${value.service}` : 'grpc';
  if (value.kind === 'udp') return `udp:${value.payload}`;
  if (value.kind === 'dns') return `dns:${value.name}`;
  return value.kind;
}
