// Starts a native UDP proxy listener (native/l4/udp_*) and is its JS handle: stats, warnings, drain.
// No datagram passes through JavaScript; this only configures the threads and reads their counters.
import { availableParallelism } from 'node:os';
import { FulcrumError, type FulcrumErrorCode } from '../errors.js';
import type { NativeUdpListener, NativeUdpListenerOptions, NativeUdpStats } from '../native/addon-types.js';
import { native } from '../native/load.js';
import type { DrainResult } from './tcp-proxy.js';
import { decodeUdpFlowRecords, type UdpFlowRecord } from './udp-access-log.js';

export type UdpProxyStats = NativeUdpStats;

export interface UdpProxyOptions {
  listen: { host: string; port: number };
  /** Name of a pool created with src/balance; the native threads pick from it directly. */
  poolName: string;
  /** Native loop threads, each with its own SO_REUSEPORT socket. Default: core count. */
  workers?: number;
  idleTimeoutMs: number;
  maxFlows: number;
  /** Replies that end a flow; 0: only the idle timeout ends it. */
  responses: number;
  perPacket: boolean;
  /** Where warnings from the native threads go (descriptor shortage, forced drains). Default: stderr. */
  onEvent?: (message: string) => void;
  /**
   * Closed flows, in batches every 250 ms (and once more when drained). Only when set do the native
   * threads keep records; a full ring (16384 per loop thread) drops them and counts
   * stats().droppedAccessRecords.
   */
  onFlowClosed?: (batch: UdpFlowRecord[]) => void;
}

export interface UdpProxy {
  readonly host: string;
  readonly port: number;
  readonly workers: number;
  stats(): UdpProxyStats;
  /** Takes no new flow at once, lets open flows end until deadlineMs, then closes the rest. */
  drain(deadlineMs: number): Promise<DrainResult>;
}

const eventPollMs = 1_000;
// As the TCP proxy's: each loop's ring holds 16384 records, so this keeps up with 65k closes a second per thread.
const accessLogPollMs = 250;

const nativeErrorCodes: Record<string, FulcrumErrorCode> = {
  POOL: 'FULCRUM_ERR_BALANCER',
  ADDRESS: 'FULCRUM_ERR_LISTEN',
  LISTEN: 'FULCRUM_ERR_LISTEN',
};

function openListener(options: UdpProxyOptions): NativeUdpListener {
  const nativeOptions: NativeUdpListenerOptions = {
    host: options.listen.host,
    port: options.listen.port,
    poolName: options.poolName,
    workers: options.workers ?? availableParallelism(),
    idleTimeoutMs: options.idleTimeoutMs,
    maxFlows: options.maxFlows,
    responses: options.responses,
    perPacket: options.perPacket,
    accessLog: options.onFlowClosed !== undefined,
  };
  try {
    return new native.l4.UdpListener(nativeOptions);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const message = error instanceof Error ? error.message : String(error);
    throw new FulcrumError(nativeErrorCodes[code] ?? 'FULCRUM_ERR_L4', `udp proxy: ${message}`);
  }
}

export function startUdpProxy(options: UdpProxyOptions): UdpProxy {
  const listener = openListener(options);
  const onEvent = options.onEvent ?? ((message: string) => process.stderr.write(`fulcrum udp: ${message}\n`));
  const forwardEvents = (): void => {
    for (const message of listener.takeEvents()) onEvent(message);
  };
  const { onFlowClosed } = options;
  const forwardAccessLog = (): void => {
    const batch = decodeUdpFlowRecords(listener.takeAccessLog());
    if (batch.length > 0) onFlowClosed?.(batch);
  };
  // Not unref'd: a listening proxy keeps the process alive until it is drained.
  const poller = setInterval(forwardEvents, eventPollMs);
  const accessLogPoller = onFlowClosed ? setInterval(forwardAccessLog, accessLogPollMs) : undefined;
  let drained: Promise<DrainResult> | undefined;
  return {
    host: options.listen.host,
    port: listener.port,
    workers: listener.workers,
    stats: () => listener.stats(),
    drain: (deadlineMs) => {
      drained ??= listener.drain(Math.max(0, Math.floor(deadlineMs))).then((result) => {
        clearInterval(poller);
        clearInterval(accessLogPoller);
        forwardEvents();
        // The rings outlive the joined threads, so flows the drain closed are logged too.
        if (onFlowClosed) forwardAccessLog();
        return result;
      });
      return drained;
    },
  };
}
