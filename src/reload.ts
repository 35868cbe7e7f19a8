// Hot reload: re-reads env, flags and the config file (or etcd's keys), validates, and applies in place; on
// SIGHUP, a config-file change or an etcd change. An invalid config is logged and the running one keeps serving.
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { FulcrumConfig } from './config/types.js';
import type { RunningFulcrum } from './fulcrum.js';
import type { Logger } from './log.js';

const WATCH_DEBOUNCE_MS = 200;

export interface Reloader {
  reload(trigger: string): Promise<boolean>;
  stop(): void;
}

/** `load` builds the next config from env, flags and the file or etcd, and throws if it is invalid. */
export function createReloader(fulcrum: RunningFulcrum, load: () => FulcrumConfig, logger: Logger): Reloader {
  let queue = Promise.resolve(true);
  let watcher: FSWatcher | null = null;
  let debounce: NodeJS.Timeout | null = null;

  /** Starts or stops watching the config file as the running config says; a reload may turn it on or off. */
  const syncWatcher = () => {
    const file = fulcrum.config.configFile;
    if (!fulcrum.config.watchConfig || !file) {
      watcher?.close();
      watcher = null;
      return;
    }
    if (watcher) return;
    // Watch the directory: editors and config managers replace the file, which ends a watch on the file itself.
    watcher = watch(dirname(file), (_event, name) => {
      if (name !== basename(file)) return;
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(() => void reload('config file changed'), WATCH_DEBOUNCE_MS);
    });
  };

  const reloadNow = async (trigger: string): Promise<boolean> => {
    try {
      const next = load();
      await fulcrum.reload(next);
      syncWatcher();
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

  syncWatcher();
  return {
    reload,
    stop: () => {
      if (debounce) clearTimeout(debounce);
      watcher?.close();
      watcher = null;
    },
  };
}
