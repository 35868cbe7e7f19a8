// What the `fulcrum` binary does: help, version, check-config, or run until SIGTERM/SIGINT.
import { parseArgs } from './args.js';
import { describeConfig } from './config/describe.js';
import { EtcdConfigSource } from './config/etcd/etcd-source.js';
import { isEtcdLocation } from './config/etcd/etcd-url.js';
import { configPathOf, loadConfig } from './config/load.js';
import { renderHelp } from './config/reference.js';
import { unknownVariableWarnings } from './config/unknown-env.js';
import { FulcrumError, type FulcrumErrorCode } from './errors.js';
import { startFulcrum } from './fulcrum.js';
import { createLogger, flushLogsThen } from './log.js';
import { createReloader } from './reload.js';
import { VERSION } from './version.js';

export async function main(argv: string[], options: { allowNoBackends?: boolean } = {}): Promise<void> {
  const { action, flags } = parseArgs(argv);
  if (action === 'help') return void console.log(renderHelp(VERSION));
  if (action === 'version') {
    const { native } = await import('./native/load.js');
    console.log(`fulcrum ${VERSION} (node ${process.versions.node}, addon built with ${native.buildInfo.compiler})`);
    return;
  }
  const inputs = { flags, env: process.env, allowNoBackends: options.allowNoBackends ?? false };
  const configPath = configPathOf(inputs);
  // etcd://: read the keys first (exit 2 if etcd cannot be read: there is no last good configuration yet).
  const etcd = configPath && isEtcdLocation(configPath) ? await EtcdConfigSource.open(configPath) : null;
  const load = () => (etcd ? etcd.load(inputs) : loadConfig(inputs));
  const config = load();
  const warnings = unknownVariableWarnings(process.env);
  if (action === 'check-config') return void console.log(describeConfig(config, warnings));

  const logger = createLogger(config.logLevel);
  for (const warning of warnings) logger.warn(warning);
  const running = await startFulcrum(config, logger);
  const { native } = await import('./native/load.js');
  const reloader = createReloader(running, load, logger);
  if (etcd) {
    running.configSource = etcd;
    etcd.watch(reloader.reload, logger);
  }
  process.on('SIGHUP', () => void reloader.reload('SIGHUP'));
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting for the drain');
      // Not process.exit(): its teardown of worker threads that are mid-drain aborts Node (exit 134).
      flushLogsThen(() => native.exitNow(1));
      return;
    }
    stopping = true;
    reloader.stop();
    etcd?.stop();
    // running.config, not the start-up config: a reload may have changed the drain timeout.
    const deadlineMs = running.config.drainTimeout;
    logger.info({ signal, deadlineMs }, 'draining');
    running.stop(deadlineMs).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'drain failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  running.announce();
}

/** Failures the user fixes in the configuration (a bad value, an address in use, a TLS pair that does not load). */
const CONFIGURATION_ERRORS: ReadonlySet<FulcrumErrorCode> = new Set([
  'FULCRUM_ERR_CONFIG',
  'FULCRUM_ERR_LISTEN',
  'FULCRUM_ERR_TLS',
  'FULCRUM_ERR_PORT_IN_USE',
]);

/** A user's mistake prints one clear paragraph, no stack, and exits 2 when the configuration is to blame; anything else is a bug and keeps its stack. */
export function reportFatal(error: unknown): never {
  if (error instanceof FulcrumError) {
    console.error(`fulcrum: ${error.message}`);
    process.exit(CONFIGURATION_ERRORS.has(error.code) ? 2 : 1);
  }
  console.error('fulcrum: unexpected internal error, please report it:', error);
  process.exit(70);
}
