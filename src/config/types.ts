// The effective configuration: what every part of Fulcrum reads after loading and validation.
import type { Algorithm } from '../balance/pool-options.js';
import type { AccessRule } from './access-rules.js';
import type { TcpAccessConfig } from './connection-limits.js';
import type { DnsSourceConfig } from './dns-backend.js';
import type { DnsSettings } from './dns-settings.js';
import type { L4ListenerConfig } from './l4-listeners.js';
import type { L4Settings } from './l4-settings.js';
import type { L7Settings, SplitConfig, StickyConfig, TlsCertificateConfig } from './l7-types.js';
import type { ListenerConfig } from './listeners.js';
import type { RateLimitConfig } from './rate-limit.js';
import type { ConcurrencyCap } from './request-caps.js';
import type { UdpSettings } from './udp-settings.js';
import type { UpstreamProtocol, UpstreamTlsConfig } from './upstream-protocol.js';
import type { WafConfig } from './waf.js';

export type Mode = 'http' | 'tcp' | 'udp';

export { ALGORITHMS, type Algorithm } from '../balance/pool-options.js';

/** The pool built from the top-level settings (FULCRUM_BACKENDS, FULCRUM_ALGORITHM, ...); reserved in the file's pools. */
export const DEFAULT_POOL = 'default';

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
  /** Set when the backend is a DNS name re-resolved while running (dns+a://, dns+srv://): src/discovery/. */
  dns?: DnsSourceConfig;
}

export type HashKey =
  | { kind: 'ip' }
  | { kind: 'path' }
  | { kind: 'header'; name: string }
  | { kind: 'cookie'; name: string }
  | { kind: 'query'; name: string };

export interface HttpCheckConfig {
  method: string;
  path: string;
  /** Host header; the backend's address when absent. */
  host: string | null;
  /** Inclusive [low, high] status ranges that count as healthy. */
  expectStatus: [number, number][];
  expectBody: string | null;
}

export interface GrpcCheckConfig {
  /** The service asked about in grpc.health.v1.Health/Check; "" asks about the whole server. */
  service: string;
}

/** udp mode's checks: a datagram and any reply (udp), or a DNS query answered NOERROR (dns). */
export interface DatagramCheckConfig {
  /** udp: the datagram's text. */
  payload: string;
  /** dns: the name queried (type A); null for a plain udp check. */
  dnsName: string | null;
}

export interface HealthCheckConfig {
  kind: 'tcp' | 'http' | 'grpc' | 'udp' | 'dns';
  intervalMs: number;
  /** Used while a backend is between states (some passes or failures, not yet rise/fall). */
  fastIntervalMs: number;
  timeoutMs: number;
  rise: number;
  fall: number;
  http: HttpCheckConfig | null;
  grpc: GrpcCheckConfig | null;
  /** udp and dns checks (udp mode). */
  datagram?: DatagramCheckConfig;
}

export interface OutlierConfig {
  /** Consecutive failed requests or connections that eject a backend. */
  consecutiveFailures: number;
  /** Also count 5xx responses as failures (http mode). */
  include5xx: boolean;
  baseEjectionMs: number;
  maxEjectionMs: number;
  /** Never eject past this share of the pool's backends. */
  maxEjectionPercent: number;
  /** A response head later than this after the request was sent counts as a failure (http mode); 0 = off. */
  slowResponseMs: number;
}

export interface PoolConfig {
  name: string;
  algorithm: Algorithm;
  hashKey: HashKey;
  backends: BackendConfig[];
  healthCheck: HealthCheckConfig | null;
  outlier: OutlierConfig | null;
  /** A returning backend ramps its weight to full over this window; 0 = off. */
  slowStartMs: number;
  /** Pool that takes the traffic while this one has no backend up. */
  backup: string | null;
  /** Host header sent to this pool's backends instead of the client's (L7). */
  hostRewrite?: string;
  sticky?: StickyConfig;
  /** How the L7 plane talks to the backends (the default pool: FULCRUM_UPSTREAM_PROTOCOL). */
  protocol: UpstreamProtocol;
  /** Certificate checks of an h2 pool; null for the other protocols. */
  upstreamTls: UpstreamTlsConfig | null;
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

/** A route sends its requests to one pool, or splits them between pools by weight. */
export interface RouteConfig {
  match: RouteMatch;
  pool?: string;
  split?: SplitConfig;
  /** Remove match.pathPrefix from the path sent upstream. */
  stripPrefix?: boolean;
  /** The file's top-level access rules, then the route's own: the first that matches allows or denies (403). */
  access?: AccessRule[];
  /** The file's top-level rate limit, then the route's own; each must let a request through. */
  rateLimits?: RateLimitConfig[];
  /** The file's top-level maxConnectionsPerIp, then the route's own caps: over any, 503. */
  caps?: ConcurrencyCap[];
  /** The route's own WAF, else the file's top-level one; null: `waf: off` (none, even with a top-level one). */
  waf?: WafConfig | null;
}

export interface Settings extends L7Settings, L4Settings, UdpSettings, DnsSettings {
  mode: Mode;
  listen: HostPort;
  reusePort: boolean;
  backends: BackendConfig[];
  algorithm: Algorithm;
  hashKey: HashKey;
  workers: number;
  adminListen: HostPort | null;
  logLevel: LogLevel;
  /** Default active check of every pool: auto (by mode), off, tcp, or http with a path. */
  healthCheck: HealthCheckDefault;
  /** Durations are in milliseconds; their keys match the config file's. */
  healthInterval: number;
  healthTimeout: number;
  healthRise: number;
  healthFall: number;
  /** 0 turns passive ejection off. */
  outlierFailures: number;
  outlierEjectionTime: number;
  outlierMaxPercent: number;
  /** 0 turns the slow-response signal off. */
  outlierSlowResponse: number;
  slowStart: number;
  /** Half-life of every backend's latency peak-EWMA (least-latency). */
  latencyHalfLife: number;
  drainTimeout: number;
  adminToken: string | null;
  watchConfig: boolean;
  accessLog: boolean;
}

/** auto: an http check (GET /, any status below 500 is up) in http mode, tcp in tcp mode, none in udp mode. */
export type HealthCheckDefault =
  | { kind: 'auto' }
  | { kind: 'off' }
  | { kind: 'tcp' }
  | { kind: 'http'; path: string }
  | { kind: 'grpc'; service: string }
  | { kind: 'udp'; payload: string }
  | { kind: 'dns'; name: string };

export interface FulcrumConfig extends Settings {
  /** Every pool, the one built from the top-level settings ("default") included when it has backends. */
  pools: PoolConfig[];
  /** Ordered; the first match wins. Without routes, every request goes to the "default" pool. */
  routes: RouteConfig[];
  /** Config file `tls.certificates`: extra certificates chosen by SNI (L7). */
  tlsCertificates: TlsCertificateConfig[];
  /** Config file `listeners`: more L7 listeners beside FULCRUM_LISTEN, each with its front. */
  listeners: ListenerConfig[];
  /** Config file `listeners` in tcp and udp mode: more TCP or UDP listeners over the default pool. */
  l4Listeners: L4ListenerConfig[];
  /** tcp mode: the file's top-level `access` (address rules) and `rateLimit` (per client IP); empty in the other modes. */
  tcpAccess: TcpAccessConfig;
  /** Config file `maxConnectionsPerIp` at the top level: concurrent connections per client IP (tcp, http); null: no cap. */
  maxConnectionsPerIp: number | null;
  /** Where each setting's value came from, for --check-config. */
  sources: Record<keyof Settings, SettingSource>;
  configFile: string | null;
}

export type SettingSource = 'flag' | 'env' | 'file' | 'default';
