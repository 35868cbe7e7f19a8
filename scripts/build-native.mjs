// Builds the addon into build/Release/fulcrum.node: cmake-js when cmake is on PATH, node-gyp otherwise.
// FULCRUM_NATIVE_BUILDER=cmake|gyp forces one (CI builds both so neither rots).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

function hasCommand(command) {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
}

function run(label, command, args) {
  console.log(`fulcrum: building the native addon with ${label}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  return result.status === 0;
}

function buildWithCmake() {
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  return run('cmake-js', process.execPath, [cmakeJs, 'compile', '--runtime', 'node', '--out', 'build']);
}

function nodeGypCommand() {
  // npm sets npm_config_node_gyp to its bundled node-gyp when it runs scripts.
  const bundled = process.env.npm_config_node_gyp;
  if (bundled) return [process.execPath, [bundled]];
  try {
    return [process.execPath, [require.resolve('node-gyp/bin/node-gyp.js')]];
  } catch {
    return ['node-gyp', []];
  }
}

function buildWithGyp() {
  const [command, prefix] = nodeGypCommand();
  return run('node-gyp', command, [...prefix, 'rebuild', '--release']);
}

const forced = process.env.FULCRUM_NATIVE_BUILDER;
if (forced && forced !== 'cmake' && forced !== 'gyp') {
  console.error(`fulcrum: FULCRUM_NATIVE_BUILDER=${forced} is not a builder; use "cmake" or "gyp", or unset it.`);
  process.exit(1);
}
const useCmake = forced ? forced === 'cmake' : hasCommand('cmake');
if (!useCmake && !forced) console.log('fulcrum: cmake not found on PATH, falling back to node-gyp');
const built = useCmake ? buildWithCmake() : buildWithGyp();
if (!built) {
  console.error(
    'fulcrum: the native addon failed to build. It needs a C++20 compiler (g++ 10+ or clang 12+), make and python3, ' +
      'plus cmake for the cmake-js build. On Debian/Ubuntu: apt-get install -y g++ make python3 cmake. Then run: npm run build:native',
  );
  process.exit(1);
}
