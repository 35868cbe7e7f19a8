import { describe, expect, it } from 'vitest';
import { MAX_SERVER_NAME_ALIASES, serverNameAliases } from '../../../src/l7/server-name-aliases.js';

const certificates = [
  { serverName: 'a.test', cert: 'a.crt', key: 'a.key' },
  { serverName: '*.c.test', cert: 'c.crt', key: 'c.key' },
];

describe('server name aliases', () => {
  it.each([
    ['A.TEST', 'A.TEST', 'a.crt'],
    ['a.Test', 'a.Test', 'a.crt'],
    ['x.C.TEST', '*.C.TEST', 'c.crt'],
    ['X.c.Test', '*.c.Test', 'c.crt'],
  ])('%s is added as %s with %s', (sent, serverName, cert) => {
    const alias = serverNameAliases(certificates)(sent);
    expect([alias?.serverName, alias?.certificate.cert]).toEqual([serverName, cert]);
  });

  it.each(['other.test', 'OTHER.TEST', 'C.TEST', 'y.X.C.TEST', 'A.TEST.EVIL'])('%s names no configured certificate', (sent) => {
    expect(serverNameAliases(certificates)(sent)).toBeNull();
  });

  it(`adds at most ${MAX_SERVER_NAME_ALIASES} spellings, then leaves new ones to the default certificate`, () => {
    const aliasFor = serverNameAliases(certificates);
    const spellings = Array.from({ length: MAX_SERVER_NAME_ALIASES + 5 }, (_, index) => `x${index}.C.TEST`);
    const added = spellings.map(aliasFor).filter((alias) => alias !== null);
    expect(added).toHaveLength(MAX_SERVER_NAME_ALIASES);
    expect(aliasFor('A.TEST')).toBeNull();
  });
});
