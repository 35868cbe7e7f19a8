// Renders the settings table as `fulcrum --help` text and as the README's configuration reference.
import { CONFIG_FILE_ENV, CONFIG_FILE_FLAG, SETTINGS } from './settings.js';

export function renderHelp(version: string): string {
  const rows = SETTINGS.map(
    (setting) =>
      `  ${setting.flag.padEnd(16)} ${setting.env.padEnd(22)} default: ${setting.defaultText || '(none)'}\n` +
      `      ${setting.description}\n      accepted: ${setting.accepted}`,
  );
  return [
    `fulcrum ${version}: an L4/L7 load balancer`,
    '',
    'usage: fulcrum [options]',
    '',
    '  --help, -h          print this help and exit',
    '  --version, -v       print the version and exit',
    '  --check-config      validate the configuration, print the effective values, exit',
    `  ${CONFIG_FILE_FLAG} PATH       ${CONFIG_FILE_ENV}: YAML or JSON file with settings, pools and routes,`,
    '                      or etcd://HOST:PORT/PREFIX: the same, from etcd keys, watched (docs/fleet.md)',
    '',
    'settings (flag > environment > config file > default):',
    ...rows,
    '',
    'example:',
    '  FULCRUM_BACKENDS=127.0.0.1:9001,127.0.0.1:9002*2 fulcrum --listen 0.0.0.0:8080',
  ].join('\n');
}

export function renderMarkdownReference(): string {
  const header = '| Variable | Flag | Config-file key | Default | Accepted | Meaning |\n|---|---|---|---|---|---|';
  const rows = SETTINGS.map(
    (setting) =>
      `| \`${setting.env}\` | \`${setting.flag}\` | \`${setting.key}\` | ${setting.defaultText ? `\`${setting.defaultText}\`` : '(none)'} | ${setting.accepted.replaceAll('|', '\\|')} | ${setting.description} |`,
  );
  const configRow = `| \`${CONFIG_FILE_ENV}\` | \`${CONFIG_FILE_FLAG}\` | — | (none) | a .yaml, .yml or .json path, or etcd://HOST:PORT/PREFIX | Config file with settings, \`pools\` and \`routes\`; or an etcd prefix holding them as keys, watched and applied on every change ([docs/fleet.md](docs/fleet.md)). |`;
  return [header, configRow, ...rows].join('\n');
}
