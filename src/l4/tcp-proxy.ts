// Starts a native TCP proxy listener and is its JS handle: stats, warnings, drain and close.
import type { NativeL4Listener, NativeL4Stats } from '../native/addon-types.js';
import { native } from '../native/load.js';
import { decodeAccessRecords } from './access-log.js';
import { type DrainResult, openNativeListener, pollListener } from './native-listener.js';
import { type TcpProxyOptions, toNativeOptions } from './options.js';

export type { DrainResult };

export type TcpProxyStats = NativeL4Stats;

export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  readonly workers: number;
  readonly maxConnections: number;
  /** Reads the native counters (atomics) without stopping the loops. */
  stats(): TcpProxyStats;
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

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const listener = openListener(options);
  const drain = pollListener(listener, options.onEvent ?? writeToStderr, decodeAccessRecords, options.onConnectionClosed);
  return {
    host: options.listen.host,
    port: listener.port,
    workers: listener.workers,
    maxConnections: listener.maxConnections,
    stats: () => listener.stats(),
    drain,
    close: () => drain(0),
  };
}
