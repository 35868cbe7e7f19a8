// How many file descriptors this process may open (the soft limit), which caps the idle-connections scenario.
import { readFileSync } from 'node:fs';

export function openFilesLimit(): number | null {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
