// The options of one TCP proxy listener, their defaults, and their validation (policy lives here, not in C++).
import { availableParallelism } from 'node:os';
import type { AddressAccessRule } from '../config/connection-limits.js';
import { settingDefault } from '../config/setting-defaults.js';
import { FulcrumError } from '../errors.js';
import type { NativeL4ListenerOptions } from '../native/addon-types.js';
import type { TcpConnectionRecord } from './access-log.js';

/**
 * Connection-level controls, decided on the native threads right after accept (after the PROXY header with
 * acceptProxyProtocol, so for the client the trusted front reported). A refused connection is reset at once.
 */
export interface ConnectionGateOptions {
  /** In order; the first whose CIDRs hold the client allows or denies it; a client none matches is allowed. At most 254. */
  accessRules?: AddressAccessRule[];
  /** New connections per client IP: a token bucket in the process-wide native table, exact across threads. */
  connectionRate?: { name: string; ratePerSecond: number; burst: number };
  /** Concurrent connections per client IP across every thread and listener of the process. */
  maxConnectionsPerIp?: number;
}

export interface TcpProxyOptions extends ConnectionGateOptions {
  listen: { host: string; port: number };
  /** Name of a pool created with src/balance; the native threads pick from it directly. */
  poolName: string;
  /** Native event-loop threads, each with its own epoll and SO_REUSEPORT socket. Default: core count. */
  workers?: number;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Further backends to try after a failed connect, each pick avoiding the backend that just failed. */
  retries?: number;
  /** Open connections across all threads; over it, new ones wait in the kernel backlog. 0: from RLIMIT_NOFILE. */
  maxConnections?: number;
  /** Bytes per splice pipe (F_SETPIPE_SZ, rounded up by the kernel to a power-of-two pages). 0: kernel default. */
  pipeSize?: number;
  /** Pipes across all threads; beyond it a direction copies through a buffer. 0: maxConnections / 4 + 16 per thread. */
  maxPipes?: number;
  backlog?: number;
  /** Send a PROXY protocol header of this version to each backend. */
  proxyProtocol?: 'v1' | 'v2';
  /** Expect a PROXY protocol v1 or v2 header from a trusted front on every connection. */
  acceptProxyProtocol?: boolean;
  /** Where warnings from the native threads go (EMFILE, malformed PROXY headers, forced drains). Default: stderr. */
  onEvent?: (message: string) => void;
  /**
   * Turns the access log on: receives a record of every closed connection, in batches every 250 ms.
   * The native threads only append fixed-size records to a bounded ring per thread; when JS falls behind,
   * records are dropped and counted in stats().droppedAccessRecords.
   */
  onConnectionClosed?: (batch: TcpConnectionRecord[]) => void;
}

/** Options that are settings take the schema's default; maxPipes and backlog are this API's own. */
export const tcpProxyDefaults = {
  connectTimeoutMs: settingDefault('connectTimeout'),
  idleTimeoutMs: settingDefault('tcpIdleTimeout'),
  retries: settingDefault('retries'),
  maxConnections: settingDefault('maxConnections'),
  pipeSize: settingDefault('pipeSize'),
  maxPipes: 0,
  backlog: 511,
} as const;

function checkInteger(name: string, value: number, minimum: number, maximum: number): number {
  if (!Number.isInteger(value) || value < minimum || value > maximum) {
    throw new FulcrumError('FULCRUM_ERR_CONFIG', `tcp proxy option ${name} must be an integer from ${minimum} to ${maximum}, got ${value}`);
  }
  return value;
}

export function toNativeOptions(options: TcpProxyOptions): NativeL4ListenerOptions {
  const uint32 = 0xffff_ffff;
  if (!options.poolName) throw new FulcrumError('FULCRUM_ERR_CONFIG', 'tcp proxy needs a poolName');
  return {
    host: options.listen.host,
    port: checkInteger('listen.port', options.listen.port, 0, 65_535),
    poolName: options.poolName,
    workers: checkInteger('workers', options.workers ?? availableParallelism(), 1, 1024),
    connectTimeoutMs: checkInteger('connectTimeoutMs', options.connectTimeoutMs ?? tcpProxyDefaults.connectTimeoutMs, 1, uint32),
    idleTimeoutMs: checkInteger('idleTimeoutMs', options.idleTimeoutMs ?? tcpProxyDefaults.idleTimeoutMs, 1, uint32),
    retries: checkInteger('retries', options.retries ?? tcpProxyDefaults.retries, 0, 100),
    maxConnections: checkInteger('maxConnections', options.maxConnections ?? tcpProxyDefaults.maxConnections, 0, uint32),
    pipeSize: checkInteger('pipeSize', options.pipeSize ?? tcpProxyDefaults.pipeSize, 0, 1 << 30),
    maxPipes: checkInteger('maxPipes', options.maxPipes ?? tcpProxyDefaults.maxPipes, 0, uint32),
    backlog: checkInteger('backlog', options.backlog ?? tcpProxyDefaults.backlog, 0, 65_535),
    sendProxyProtocol: options.proxyProtocol === 'v1' ? 1 : options.proxyProtocol === 'v2' ? 2 : 0,
    acceptProxyProtocol: options.acceptProxyProtocol ?? false,
    accessLog: options.onConnectionClosed !== undefined,
    ...nativeGateOptions(options),
  };
}

function nativeGateOptions(
  options: ConnectionGateOptions,
): Pick<NativeL4ListenerOptions, 'accessRules' | 'connectionRate' | 'connectionBurst' | 'maxConnectionsPerIp'> {
  const rules = options.accessRules ?? [];
  if (rules.length > 254) {
    throw new FulcrumError(
      'FULCRUM_ERR_CONFIG',
      `tcp proxy takes at most 254 access rules, got ${rules.length}; merge CIDR lists into fewer rules`,
    );
  }
  const rate = options.connectionRate;
  if (rate && !(rate.ratePerSecond > 0 && rate.burst >= 1)) {
    throw new FulcrumError('FULCRUM_ERR_CONFIG', `tcp proxy connectionRate needs a rate above 0 and a burst of at least 1`);
  }
  return {
    accessRules: rules.map((rule) => ({ allow: rule.action === 'allow', cidrs: rule.cidrs })),
    connectionRate: rate?.ratePerSecond ?? 0,
    connectionBurst: rate?.burst ?? 0,
    maxConnectionsPerIp: checkInteger('maxConnectionsPerIp', options.maxConnectionsPerIp ?? 0, 0, 0xffff_ffff),
  };
}
