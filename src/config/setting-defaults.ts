// A setting's default as a value, parsed from the schema's text: for code that also runs without a
// loaded config (the L4 API and its tests), so no default is written down twice.
import { SETTINGS, type SettingSpec } from './settings.js';
import type { Settings } from './types.js';

export function settingDefault<K extends keyof Settings>(key: K): Settings[K] {
  const setting = (SETTINGS as readonly SettingSpec[]).find((row) => row.key === key) as SettingSpec<K>;
  return setting.parse(setting.defaultText);
}
