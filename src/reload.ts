// Hot reload: re-reads env, flags and the config file, validates, and applies in place; on SIGHUP or a
// config-file change. An invalid config is logged and the running one keeps serving.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { loadConfig } from './config/load.js';
import type { RunningFulcrum } from './fulcrum.js';
import type { Logger } from './log.js';

const WATCH_DEBOUNCE_MS = 200;

export interface Reloader {
  reload(trigger: string): Promise<boolean>;
  stop(): void;
}

export function createReloader(fulcrum: RunningFulcrum, flags: ReadonlyMap<string, string>, logger: Logger): Reloader {
  let queue = Promise.resolve(true);
  const reloadNow = async (trigger: string): Promise<boolean> => {
    try {
      const next = loadConfig({ flags, env: process.env });
      await fulcrum.reload(next);
      logger.info({ trigger, pools: next.pools.map((pool) => pool.name), routes: next.routes.length }, 'configuration reloaded');
      return true;
    } catch (error) {
      fulcrum.reloads.rejected++;
      logger.error({ trigger, reason: (error as Error).message }, 'reload rejected; the previous configuration keeps serving');
      return false;
    }
  };
  // Reloads run one at a time, in order.
  const reload = (trigger: string) => (queue = queue.then(() => reloadNow(trigger)));

  let watcher: FSWatcher | null = null;
  const file = fulcrum.config.configFile;
  if (fulcrum.config.watchConfig && file) {
    let timer: NodeJS.Timeout | null = null;
    // Watch the directory: editors and config managers replace the file, which ends a watch on the file itself.
    watcher = watch(dirname(file), (_event, name) => {
      if (name !== basename(file)) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void reload('config file changed'), WATCH_DEBOUNCE_MS);
    });
  }
  return {
    reload,
    stop: () => watcher?.close(),
  };
}
