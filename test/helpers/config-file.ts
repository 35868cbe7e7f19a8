// Writes config files for tests that start Fulcrum with FULCRUM_CONFIG.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import type { FulcrumConfig } from '../../src/config/types.js';

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

/**
 * Writes `document` as the config file of a default pool at 127.0.0.1:9001 and returns the load of it (for
 * configRefusal, or called to get the configuration); `env` adds or overrides FULCRUM_* variables.
 */
export function configFileLoader(document: Record<string, unknown>, env: Record<string, string> = {}): () => FulcrumConfig {
  const path = tempConfigPath('fulcrum.yaml');
  writeFileSync(path, stringify(document));
  return () => loadConfig({ env: { FULCRUM_BACKENDS: '127.0.0.1:9001', FULCRUM_CONFIG: path, ...env }, flags: new Map() });
}
