// Finds an installed program on PATH or in the sbin folders where Debian puts haproxy and nginx.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const SBIN_FOLDERS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

export function findBinary(name: string): string | null {
  const folders = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN_FOLDERS];
  for (const folder of folders) {
    const candidate = join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }
  return null;
}
