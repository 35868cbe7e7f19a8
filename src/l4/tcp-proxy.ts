// Starts a native TCP proxy listener and is its JS handle: stats, warnings, drain and close.
import type { NativeL4Listener, NativeL4Stats } from '../native/addon-types.js';
import { native } from '../native/load.js';
import { decodeAccessRecords } from './access-log.js';
import { type DrainResult, openNativeListener, pollListener } from './native-listener.js';
import { type TcpProxyOptions, toNativeOptions } from './options.js';

export type { DrainResult };

export type TcpProxyStats = NativeL4Stats;

/** Connections decided by name: each access rule's allowed and denied, the rate limit's limited, the cap's capped. */
export type ConnectionVerdicts = Record<string, Partial<Record<'allowed' | 'denied' | 'limited' | 'capped', number>>>;

/** The name maxConnectionsPerIp's refusals are counted under. */
export const CAP_RULE_NAME = 'maxConnectionsPerIp';

export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  readonly workers: number;
  readonly maxConnections: number;
  /** Reads the native counters (atomics) without stopping the loops. */
  stats(): TcpProxyStats;
  /** The native verdict counters by rule name (only the controls this listener has). */
  connectionVerdicts(): ConnectionVerdicts;
  /** Stops accepting at once, lets live connections finish until deadlineMs, then closes the rest. */
  drain(deadlineMs: number): Promise<DrainResult>;
  /** drain(0). */
  close(): Promise<DrainResult>;
}

function openListener(options: TcpProxyOptions): NativeL4Listener {
  const nativeOptions = toNativeOptions(options);
  return openNativeListener('tcp proxy', () => new native.l4.Listener(nativeOptions));
}

function writeToStderr(message: string): void {
  process.stderr.write(`fulcrum l4: ${message}\n`);
}

function verdictsOf(options: TcpProxyOptions, stats: TcpProxyStats): ConnectionVerdicts {
  const verdicts: ConnectionVerdicts = {};
  (options.accessRules ?? []).forEach((rule, index) => {
    verdicts[rule.name] = { allowed: stats.accessAllowedByRule[index] ?? 0, denied: stats.accessDeniedByRule[index] ?? 0 };
  });
  if (options.connectionRate) verdicts[options.connectionRate.name] = { limited: stats.connectionsLimited };
  if (options.maxConnectionsPerIp) verdicts[CAP_RULE_NAME] = { capped: stats.connectionsCapped };
  return verdicts;
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const listener = openListener(options);
  const ruleNames = (options.accessRules ?? []).map((rule) => rule.name);
  const decode = (buffer: ArrayBuffer) => decodeAccessRecords(buffer, ruleNames);
  const drain = pollListener(listener, options.onEvent ?? writeToStderr, decode, options.onConnectionClosed);
  return {
    host: options.listen.host,
    port: listener.port,
    workers: listener.workers,
    maxConnections: listener.maxConnections,
    stats: () => listener.stats(),
    connectionVerdicts: () => verdictsOf(options, listener.stats()),
    drain,
    close: () => drain(0),
  };
}
