// Prints the effective configuration for --check-config: every setting with where its value came from.
import { formatHashKey } from './parsers.js';
import { SETTINGS, type SettingSpec } from './settings.js';
import { DEFAULT_POOL, type FulcrumConfig, type HealthCheckConfig, type Settings } from './types.js';

/** What a pool's active check sends and expects, so FULCRUM_HEALTH_CHECK=auto shows what it became. */
function describeCheck(check: HealthCheckConfig | null): string {
  if (!check) return 'off';
  const timing = `every ${check.intervalMs} ms, timeout ${check.timeoutMs} ms`;
  if (!check.http) return `tcp connect, ${timing}`;
  const statuses = check.http.expectStatus.map(([low, high]) => (low === high ? String(low) : `${low}-${high}`)).join(',');
  return `http ${check.http.method} ${check.http.path} (status ${statuses}), ${timing}`;
}

export function describeConfig(config: FulcrumConfig, warnings: readonly string[]): string {
  const lines = ['configuration is valid', ''];
  if (warnings.length > 0) lines.push(...warnings.map((warning) => `warning: ${warning}`), '');
  if (config.configFile) lines.push(`config file: ${config.configFile}`, '');
  for (const setting of SETTINGS as readonly SettingSpec[]) {
    const value = setting.format(config[setting.key] as Settings[keyof Settings]);
    lines.push(`${setting.env.padEnd(22)} ${(value || '(none)').padEnd(32)} (${config.sources[setting.key]})`);
  }
  lines.push('', 'pools:');
  for (const pool of config.pools) {
    const backends = pool.backends.map((backend) => `${backend.address}*${backend.weight}`).join(', ');
    lines.push(`  ${pool.name}: ${pool.algorithm}, hash key ${formatHashKey(pool.hashKey)}: ${backends}`);
    lines.push(`    health check: ${describeCheck(pool.healthCheck)}`);
  }
  if (config.pools.length === 0) lines.push('  (none)');
  lines.push('', config.routes.length > 0 ? 'routes (first match wins):' : `routes: every request goes to the "${DEFAULT_POOL}" pool`);
  config.routes.forEach((route, index) => {
    const match = JSON.stringify(route.match, (_key, value: unknown) => (value instanceof RegExp ? String(value) : value));
    const target = route.split ? `split ${route.split.arms.map((arm) => `${arm.pool}:${arm.weight}`).join(' / ')}` : route.pool;
    lines.push(`  ${index + 1}. ${match}${route.stripPrefix ? ' (prefix stripped)' : ''} -> ${target}`);
  });
  return lines.join('\n');
}
