// Structured JSON logs on stdout (pino); one logger for the main thread.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config/types.js';

export type { Logger };

/** Asynchronous, so a slow stdout never stalls the main thread; flushLogsSync empties it before an _exit. */
let destination: (DestinationStream & { flushSync(): void }) | null = null;

export function createLogger(level: LogLevel): Logger {
  destination ??= pino.destination({ dest: 1, sync: false });
  return pino({ name: 'fulcrum', level, base: { pid: process.pid } }, destination);
}

/** Writes out what the logger still buffers; for exits that skip Node's teardown (and so its flushing). */
export function flushLogsSync(): void {
  try {
    destination?.flushSync();
  } catch {
    // Nothing buffered yet (stdout not ready), or stdout is gone: there is nowhere left to write to.
  }
}
