// The L7 engine's part of the effective configuration: upstream timeouts, limits, forwarding trust, TLS.
import type { CidrBlock } from './cidr.js';
import type { HostPort } from './types.js';
import type { UpstreamProtocol } from './upstream-protocol.js';

/** Settings (env, flag, file key, default) the L7 engine reads; durations in ms, sizes in bytes. */
/** FULCRUM_PROTOCOLS: which front serves clients. */
export type L7Protocols = 'http/1.1' | 'all';

export interface L7Settings {
  protocols: L7Protocols;
  upstreamProtocol: UpstreamProtocol;
  connectTimeout: number;
  responseTimeout: number;
  upstreamIdleTimeout: number;
  clientBodyTimeout: number;
  clientSendTimeout: number;
  upstreamMaxSockets: number;
  retries: number;
  trustedProxies: CidrBlock[];
  maxBody: number;
  maxUrlLength: number;
  maxHeaderSize: number;
  tlsCert: string | null;
  tlsKey: string | null;
  httpsRedirectListen: HostPort | null;
}

/** Config file `tls.certificates`: one certificate per server name, chosen by SNI. */
export interface TlsCertificateConfig {
  serverName: string;
  cert: string;
  key: string;
}

/** Config file `pools.NAME.sticky`: Fulcrum inserts this cookie naming the backend by an opaque id. */
export interface StickyConfig {
  cookie: string;
}

/** What a traffic split assigns a user by; without it every request is assigned by weight alone. */
export type SplitKey = { kind: 'ip' } | { kind: 'header'; name: string } | { kind: 'cookie'; name: string };

export interface SplitArm {
  pool: string;
  weight: number;
}

/** A route's `split:` between pools, with its sticky key and the header/cookie that can force an arm. */
export interface SplitConfig {
  arms: SplitArm[];
  key: SplitKey | null;
  /** A request whose header (lower-case name) or cookie names an arm's pool goes to that arm. */
  forceHeader: string | null;
  forceCookie: string | null;
}
