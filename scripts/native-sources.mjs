// Lists the addon's C++ sources (native/**/*.cc except tests), for binding.gyp; CMakeLists.txt globs the same set.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function collect(directory) {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'test' ? [] : collect(path);
    return entry.name.endsWith('.cc') ? [relative(root, path)] : [];
  });
}

export function nativeSources() {
  return collect(join(root, 'native')).sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(nativeSources().join(' '));
}
