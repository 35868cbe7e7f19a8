// Warns about FULCRUM_* variables Fulcrum does not read: a typo such as FULCRUM_LISTN would otherwise
// leave the default in force without a word. A warning, not an error: environments carry stray variables.
import { CONFIG_FILE_ENV, SETTINGS } from './settings.js';

/** Variables read outside the settings schema: the addon's path (src/native/load.ts) and the build's builder (scripts/build-native.mjs). */
const OTHER_VARIABLES = ['FULCRUM_ADDON_PATH', 'FULCRUM_NATIVE_BUILDER'];
/** Read by the benchmark harness (bench/), which passes its environment on to the Fulcrum it starts. */
const BENCH_PREFIX = 'FULCRUM_BENCH_';
const PREFIX = 'FULCRUM_';

const KNOWN_VARIABLES: readonly string[] = [CONFIG_FILE_ENV, ...SETTINGS.map((setting) => setting.env), ...OTHER_VARIABLES];

/** Levenshtein distance: insertions, deletions and substitutions of one character each cost 1. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The known variable nearest to `name`, if it is close enough to be a typo of it (a third of its suffix at most). */
export function nearestVariable(name: string): string | undefined {
  const suffix = name.slice(PREFIX.length);
  let best: { variable: string; distance: number } | undefined;
  for (const variable of SETTINGS.map((setting) => setting.env).concat(CONFIG_FILE_ENV)) {
    const distance = editDistance(suffix, variable.slice(PREFIX.length));
    if (!best || distance < best.distance) best = { variable, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(suffix.length / 3)) ? best.variable : undefined;
}

/** One sentence per set FULCRUM_* variable that nothing reads, naming the likely intended one. */
export function unknownVariableWarnings(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith(PREFIX) && !name.startsWith(BENCH_PREFIX) && !KNOWN_VARIABLES.includes(name))
    .sort()
    .map((name) => {
      const nearest = nearestVariable(name);
      const hint = nearest ? `did you mean ${nearest}?` : 'run "fulcrum --help" for every setting';
      return `${name} is not a Fulcrum setting and is ignored; ${hint}`;
    });
}
