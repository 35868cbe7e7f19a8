// The effective configuration: what every part of Fulcrum reads after loading and validation.

export type Mode = 'http' | 'tcp';

export const ALGORITHMS = [
  'round-robin',
  'weighted-round-robin',
  'least-connections',
  'weighted-least-connections',
  'consistent-hash',
  'power-of-two',
] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface HostPort {
  host: string;
  port: number;
}

export interface BackendConfig {
  /** host:port as written by the user; the host may be a name, resolved at start. */
  address: string;
  host: string;
  port: number;
  weight: number;
}

export type HashKey =
  | { kind: 'ip' }
  | { kind: 'path' }
  | { kind: 'header'; name: string }
  | { kind: 'cookie'; name: string }
  | { kind: 'query'; name: string };

export interface PoolConfig {
  name: string;
  algorithm: Algorithm;
  hashKey: HashKey;
  backends: BackendConfig[];
}

export interface HeaderMatch {
  name: string;
  equals?: string;
  regex?: RegExp;
}

export interface RouteMatch {
  hosts?: string[];
  pathPrefix?: string;
  pathRegex?: RegExp;
  methods?: string[];
  headers?: HeaderMatch[];
}

export interface RouteConfig {
  match: RouteMatch;
  pool: string;
}

export interface Settings {
  mode: Mode;
  listen: HostPort;
  backends: BackendConfig[];
  algorithm: Algorithm;
  hashKey: HashKey;
  workers: number;
  adminListen: HostPort | null;
  logLevel: LogLevel;
}

export interface FulcrumConfig extends Settings {
  /** Every pool, the one built from the top-level settings ("default") included when it has backends. */
  pools: PoolConfig[];
  /** Ordered; the first match wins. Without routes, every request goes to the "default" pool. */
  routes: RouteConfig[];
  /** Where each setting's value came from, for --check-config. */
  sources: Record<keyof Settings, SettingSource>;
  configFile: string | null;
}

export type SettingSource = 'flag' | 'env' | 'file' | 'default';
