// Writes config files for tests that start Fulcrum with FULCRUM_CONFIG.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A path in a fresh temporary folder, e.g. tempConfigPath('fulcrum.yaml'). */
export function tempConfigPath(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'fulcrum-config-')), name);
}

export function writeConfig(path: string, lines: string[]): void {
  writeFileSync(path, `${lines.join('\n')}\n`);
}
