// Starts a native UDP proxy listener (native/l4/udp_*) and is its JS handle: stats, warnings, drain.
// No datagram passes through JavaScript; this only configures the threads and reads their counters.
import { availableParallelism } from 'node:os';
import type { NativeUdpListener, NativeUdpListenerOptions, NativeUdpStats } from '../native/addon-types.js';
import { native } from '../native/load.js';
import { type DrainResult, openNativeListener, pollListener } from './native-listener.js';
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
  return openNativeListener('udp proxy', () => new native.l4.UdpListener(nativeOptions));
}

export function startUdpProxy(options: UdpProxyOptions): UdpProxy {
  const listener = openListener(options);
  const onEvent = options.onEvent ?? ((message: string) => process.stderr.write(`fulcrum udp: ${message}\n`));
  const drain = pollListener(listener, onEvent, decodeUdpFlowRecords, options.onFlowClosed);
  return {
    host: options.listen.host,
    port: listener.port,
    workers: listener.workers,
    stats: () => listener.stats(),
    drain,
  };
}
