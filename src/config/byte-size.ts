// Parses and prints byte sizes such as 64kb, 10mb or 1gb (limits on bodies, headers and URLs).
import { InvalidValue } from './parsers.js';

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i;
const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** "512", "64kb", "1.5mb", "2gb" → bytes, within [min, max]. */
export function parseByteSize(raw: string, min: number, max: number): number {
  const match = SIZE.exec(raw.trim());
  if (!match) throw new InvalidValue('expected a size such as 8kb, 10mb or 1gb');
  const bytes = Math.round(Number(match[1]) * (UNITS[(match[2] ?? 'b').toLowerCase()] as number));
  if (bytes < min || bytes > max) throw new InvalidValue(`expected a size from ${formatByteSize(min)} to ${formatByteSize(max)}`);
  return bytes;
}

export function formatByteSize(bytes: number): string {
  for (const unit of ['gb', 'mb', 'kb'] as const) {
    const size = UNITS[unit] as number;
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}b`;
}
