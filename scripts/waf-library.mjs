// For binding.gyp: whether libmodsecurity3 is installed (prints yes or no: gyp would turn 1 into a number), or with `libs` its linker flags.
// Absence is not an error: the addon then builds without the WAF. FULCRUM_WITHOUT_WAF=1 leaves it out anyway.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function pkgConfig(args) {
  const result = spawnSync('pkg-config', args, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

function available() {
  if (process.env.FULCRUM_WITHOUT_WAF) return false;
  return pkgConfig(['--exists', 'modsecurity']) !== null || existsSync('/usr/include/modsecurity/modsecurity.h');
}

const found = available();
if (process.argv[2] === 'libs') process.stdout.write(found ? (pkgConfig(['--libs', 'modsecurity']) ?? '-lmodsecurity') : '');
else process.stdout.write(found ? 'yes' : 'no');
