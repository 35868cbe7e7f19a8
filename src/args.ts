// Parses the command line: actions (--help, --version, --check-config) and setting flags (--listen X or --listen=X).
import { CONFIG_FILE_FLAG, SETTINGS } from './config/settings.js';
import { FulcrumError } from './errors.js';

export type Action = 'start' | 'help' | 'version' | 'check-config';

export interface ParsedArgs {
  action: Action;
  flags: Map<string, string>;
}

const VALUE_FLAGS = new Set<string>([CONFIG_FILE_FLAG, ...SETTINGS.map((setting) => setting.flag)]);
const ACTIONS: Record<string, Action> = {
  '--help': 'help',
  '-h': 'help',
  '--version': 'version',
  '-v': 'version',
  '--check-config': 'check-config',
};

export function parseArgs(argv: string[]): ParsedArgs {
  const flags = new Map<string, string>();
  let action: Action = 'start';
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    const actionName = ACTIONS[argument];
    if (actionName) {
      if (action === 'start' || actionName === 'help') action = actionName;
      continue;
    }
    const equals = argument.indexOf('=');
    const name = equals === -1 ? argument : argument.slice(0, equals);
    if (!VALUE_FLAGS.has(name)) {
      throw new FulcrumError('FULCRUM_ERR_CONFIG', `unknown option "${argument}"; run "fulcrum --help" for the options.`);
    }
    const value = equals === -1 ? argv[++index] : argument.slice(equals + 1);
    if (value === undefined) {
      throw new FulcrumError('FULCRUM_ERR_CONFIG', `option ${name} needs a value, e.g. ${name}=VALUE.`);
    }
    flags.set(name, value);
  }
  return { action, flags };
}
