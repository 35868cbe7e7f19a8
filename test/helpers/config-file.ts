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

/** The message of the configuration error `load` throws; fails the test when the configuration is accepted. */
export function configRefusal(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}
