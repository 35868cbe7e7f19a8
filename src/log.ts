// Structured JSON logs on stdout (pino); one logger for the main thread.
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config/types.js';

export type { Logger };

export function createLogger(level: LogLevel): Logger {
  return pino({ name: 'fulcrum', level, base: { pid: process.pid } });
}
