// Unknown FULCRUM_* variables are warned about (not refused), with the setting a typo most likely meant.
import { expect, it } from 'vitest';
import { unknownVariableWarnings } from '../../../src/config/unknown-env.js';

it.each([
  ['FULCRUM_LISTN', 'did you mean FULCRUM_LISTEN?'],
  ['FULCRUM_BACKEND', 'did you mean FULCRUM_BACKENDS?'],
  ['FULCRUM_CONECT_TIMOUT', 'did you mean FULCRUM_CONNECT_TIMEOUT?'],
  ['FULCRUM_CONFIGG', 'did you mean FULCRUM_CONFIG?'],
  ['FULCRUM_DATABASE_URL', 'run "fulcrum --help" for every setting'],
])('%s: %s', (name, hint) => {
  expect(unknownVariableWarnings({ [name]: 'x' })).toEqual([`${name} is not a Fulcrum setting and is ignored; ${hint}`]);
});

it('settings, FULCRUM_CONFIG, the addon path, the builder, the bench harness and other prefixes pass without a word', () => {
  const env = {
    FULCRUM_LISTEN: '1',
    FULCRUM_CONFIG: 'f.yaml',
    FULCRUM_ADDON_PATH: '/x.node',
    FULCRUM_NATIVE_BUILDER: 'gyp',
    FULCRUM_BENCH_SECONDS: '3',
    PATH: '/bin',
    FULCRUMX: '1',
  };
  expect(unknownVariableWarnings(env)).toEqual([]);
});
