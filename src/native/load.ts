// The only place the native addon is loaded: tries each known location and fails with one actionable error.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { FulcrumError } from '../errors.js';
import type { NativeAddon } from './addon-types.js';

const require = createRequire(import.meta.url);
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

/** FULCRUM_ADDON_PATH, when set, is the only candidate: a user who names an addon means that one. */
function candidatePaths(): string[] {
  const fromEnv = process.env.FULCRUM_ADDON_PATH;
  if (fromEnv) return [fromEnv];
  return ['build/Release/fulcrum.node', 'build/Debug/fulcrum.node'].map((path) => packageRoot + path);
}

function loadAddon(): NativeAddon {
  const failures: string[] = [];
  for (const path of candidatePaths()) {
    try {
      return require(path) as NativeAddon;
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      failures.push(`  ${path}: ${reason}`);
    }
  }
  throw new FulcrumError(
    'FULCRUM_ERR_ADDON_LOAD',
    `the native addon could not be loaded. Tried:\n${failures.join('\n')}\n` +
      `Build it with "npm run build:native" in ${packageRoot} (needs g++, make, python3 and optionally cmake), ` +
      'or point FULCRUM_ADDON_PATH at a fulcrum.node built for this Node version.',
  );
}

export const native: NativeAddon = loadAddon();
