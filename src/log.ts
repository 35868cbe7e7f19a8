// Structured JSON logs on stdout (pino); one logger for the main thread.
import { type DestinationStream, type Logger, pino } from 'pino';
import { LOG_LEVELS, type LogLevel } from './config/types.js';

export type { Logger };

/** Asynchronous, so a slow stdout never stalls the main thread; flushLogsThen empties it before an _exit. */
let destination: (DestinationStream & { flushSync(): void; once(event: 'write', listener: () => void): unknown }) | null = null;

/** Whether a logger at `level` writes lines of level `line` (LOG_LEVELS runs from least to most severe). */
export function logsAt(level: LogLevel, line: LogLevel): boolean {
  return LOG_LEVELS.indexOf(line) >= LOG_LEVELS.indexOf(level);
}

export function createLogger(level: LogLevel): Logger {
  destination ??= pino.destination({ dest: 1, sync: false });
  return pino({ name: 'fulcrum', level, base: { pid: process.pid } }, destination);
}

/** How long an exit waits for a log write already on its way to stdout. */
const FLUSH_WAIT_MS = 100;

function flushSync(): void {
  try {
    destination?.flushSync();
  } catch {
    // Nothing buffered yet (stdout not ready), or stdout is gone: there is nowhere left to write to.
  }
}

/**
 * Writes out what the logger holds, then calls `exit`; for exits that skip Node's teardown (and so its
 * flushing). flushSync writes what is queued but not a write already running on the thread pool, so
 * this also waits, briefly, for that one to land.
 */
export function flushLogsThen(exit: () => void): void {
  flushSync();
  if (!destination) {
    exit();
    return;
  }
  const done = () => {
    clearTimeout(timer);
    flushSync();
    exit();
  };
  const timer = setTimeout(done, FLUSH_WAIT_MS);
  destination.once('write', done);
}
