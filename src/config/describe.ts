// Prints the effective configuration for --check-config: every setting with where its value came from.
import { formatHashKey } from './parsers.js';
import { listenerLines } from './served-protocols.js';
import { SETTINGS, type SettingSpec } from './settings.js';
import { DEFAULT_POOL, type FulcrumConfig, type HealthCheckConfig, type Settings } from './types.js';

/** What a pool's active check sends and expects, so FULCRUM_HEALTH_CHECK=auto shows what it became. */
function describeCheck(check: HealthCheckConfig | null): string {
  if (!check) return 'off';
  const timing = `every ${check.intervalMs} ms, timeout ${check.timeoutMs} ms`;
  if (check.grpc) return `grpc Health/Check of ${check.grpc.service ? `service "${check.grpc.service}"` : 'the whole server'}, ${timing}`;
  if (!check.http) return `tcp connect, ${timing}`;
  const statuses = check.http.expectStatus.map(([low, high]) => (low === high ? String(low) : `${low}-${high}`)).join(',');
  return `http ${check.http.method} ${check.http.path} (status ${statuses}), ${timing}`;
}

const MAX_VALUE_COLUMN = 40;

export function describeConfig(config: FulcrumConfig, warnings: readonly string[]): string {
  const lines = ['configuration is valid', ''];
  if (warnings.length > 0) lines.push(...warnings.map((warning) => `warning: ${warning}`), '');
  if (config.configFile) lines.push(`config file: ${config.configFile}`, '');
  const settings = SETTINGS as readonly SettingSpec[];
  const values = settings.map((setting) => setting.format(config[setting.key] as Settings[keyof Settings]) || '(none)');
  // Columns as wide as their longest entry, so the rows line up; a very long value (many backends)
  // overflows its own row rather than widening every other.
  const nameWidth = Math.max(...settings.map((setting) => setting.env.length));
  const valueWidth = Math.min(MAX_VALUE_COLUMN, Math.max(...values.map((value) => value.length)));
  settings.forEach((setting, index) => {
    lines.push(`${setting.env.padEnd(nameWidth)}  ${(values[index] as string).padEnd(valueWidth)}  (${config.sources[setting.key]})`);
  });
  lines.push('', ...listenerLines(config).map((line) => `listener ${line}`));
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
    const waf = route.waf ? `, waf ${route.waf.mode} at paranoia ${route.waf.paranoia}` : '';
    lines.push(`  ${index + 1}. ${match}${route.stripPrefix ? ' (prefix stripped)' : ''} -> ${target}${waf}`);
  });
  return lines.join('\n');
}
