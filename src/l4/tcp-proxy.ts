// Starts a native TCP proxy listener and is its JS handle: stats, warnings, drain and close.
import { FulcrumError, type FulcrumErrorCode } from '../errors.js';
import type { NativeL4Listener, NativeL4Stats } from '../native/addon-types.js';
import { native } from '../native/load.js';
import { decodeAccessRecords } from './access-log.js';
import { type TcpProxyOptions, toNativeOptions } from './options.js';

export type TcpProxyStats = NativeL4Stats;

export interface DrainResult {
  /** Connections still open at the deadline and closed by force. */
  forcedCloses: number;
}

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

const eventPollMs = 1_000;
// Each loop's ring holds 16384 records, so this keeps up with 65k closes a second per thread.
const accessLogPollMs = 250;

const nativeErrorCodes: Record<string, FulcrumErrorCode> = {
  POOL: 'FULCRUM_ERR_BALANCER',
  ADDRESS: 'FULCRUM_ERR_LISTEN',
  LISTEN: 'FULCRUM_ERR_LISTEN',
};

function openListener(options: TcpProxyOptions): NativeL4Listener {
  const nativeOptions = toNativeOptions(options);
  try {
    return new native.l4.Listener(nativeOptions);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const message = error instanceof Error ? error.message : String(error);
    throw new FulcrumError(nativeErrorCodes[code] ?? 'FULCRUM_ERR_L4', `tcp proxy: ${message}`);
  }
}

function writeToStderr(message: string): void {
  process.stderr.write(`fulcrum l4: ${message}\n`);
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const listener = openListener(options);
  const onEvent = options.onEvent ?? writeToStderr;
  const forwardEvents = (): void => {
    for (const message of listener.takeEvents()) onEvent(message);
  };
  const { onConnectionClosed } = options;
  const forwardAccessLog = (): void => {
    const batch = decodeAccessRecords(listener.takeAccessLog());
    if (batch.length > 0) onConnectionClosed?.(batch);
  };
  // Not unref'd: like a net.Server, a listening proxy keeps the process alive until it is drained.
  const poller = setInterval(forwardEvents, eventPollMs);
  const accessLogPoller = onConnectionClosed ? setInterval(forwardAccessLog, accessLogPollMs) : undefined;
  let drained: Promise<DrainResult> | undefined;
  const drain = (deadlineMs: number): Promise<DrainResult> => {
    drained ??= listener.drain(Math.max(0, Math.floor(deadlineMs))).then((result) => {
      clearInterval(poller);
      clearInterval(accessLogPoller);
      forwardEvents();
      // The rings outlive the joined threads, so connections the drain closed are logged too.
      if (onConnectionClosed) forwardAccessLog();
      return result;
    });
    return drained;
  };
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
