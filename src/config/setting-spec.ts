// The shape of one row of the settings schema, shared by the core, L7 and L4 rows.
import type { Settings } from './types.js';

export interface SettingSpec<K extends keyof Settings = keyof Settings> {
  key: K;
  env: string;
  flag: string;
  defaultText: string;
  accepted: string;
  description: string;
  parse(raw: string): Settings[K];
  format(value: Settings[K]): string;
}

/** Identity with the key's type pinned, so each row's parse and format agree on the value type. */
export function spec<K extends keyof Settings>(setting: SettingSpec<K>): SettingSpec<K> {
  return setting;
}
