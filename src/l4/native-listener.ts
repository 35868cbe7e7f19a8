// What the TCP and UDP proxies share around their native listeners (main thread): the native error mapped
// to Fulcrum's codes, and the polling of warnings and access-log records until a drain joins the threads.
import { FulcrumError, type FulcrumErrorCode } from '../errors.js';

export interface DrainResult {
  /** Connections or flows still open at the deadline and closed by force. */
  forcedCloses: number;
}

const eventPollMs = 1_000;
// Each loop's ring holds 16384 records, so this keeps up with 65k closes a second per thread.
const accessLogPollMs = 250;

const nativeErrorCodes: Record<string, FulcrumErrorCode> = {
  POOL: 'FULCRUM_ERR_BALANCER',
  ADDRESS: 'FULCRUM_ERR_LISTEN',
  LISTEN: 'FULCRUM_ERR_LISTEN',
};

/** Constructs a native listener; its error (with .code POOL, ADDRESS or LISTEN) becomes a FulcrumError named for `what`. */
export function openNativeListener<T>(what: 'tcp proxy' | 'udp proxy', construct: () => T): T {
  try {
    return construct();
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const message = error instanceof Error ? error.message : String(error);
    throw new FulcrumError(nativeErrorCodes[code] ?? 'FULCRUM_ERR_L4', `${what}: ${message}`);
  }
}

/** The part of a native listener (l4.Listener, l4.UdpListener) that is polled from JavaScript. */
export interface PolledListener {
  takeEvents(): string[];
  takeAccessLog(): ArrayBuffer;
  drain(deadlineMs: number): Promise<DrainResult>;
}

/**
 * Forwards the listener's warnings every second and, when `onClosed` is set, its access-log records every
 * 250 ms; returns its drain, which stops the polling and forwards what the joined threads left in the rings.
 */
export function pollListener<R>(
  listener: PolledListener,
  onEvent: (message: string) => void,
  decode: (records: ArrayBuffer) => R[],
  onClosed: ((batch: R[]) => void) | undefined,
): (deadlineMs: number) => Promise<DrainResult> {
  const forwardEvents = (): void => {
    for (const message of listener.takeEvents()) onEvent(message);
  };
  const forwardAccessLog = (): void => {
    const batch = decode(listener.takeAccessLog());
    if (batch.length > 0) onClosed?.(batch);
  };
  // Not unref'd: like a net.Server, a listening proxy keeps the process alive until it is drained.
  const poller = setInterval(forwardEvents, eventPollMs);
  const accessLogPoller = onClosed ? setInterval(forwardAccessLog, accessLogPollMs) : undefined;
  let drained: Promise<DrainResult> | undefined;
  return (deadlineMs) => {
    drained ??= listener.drain(Math.max(0, Math.floor(deadlineMs))).then((result) => {
      clearInterval(poller);
      clearInterval(accessLogPoller);
      forwardEvents();
      // The rings outlive the joined threads, so what the drain closed is logged too.
      if (onClosed) forwardAccessLog();
      return result;
    });
    return drained;
  };
}
