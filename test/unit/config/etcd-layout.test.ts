// The etcd key layout: keys become the one document loadConfig validates; bad keys are refused naming the key.
import { describe, expect, it } from 'vitest';
import { assembleDocument, withEtcdKeys } from '../../../src/config/etcd/etcd-layout.js';
import { parseEtcdLocation } from '../../../src/config/etcd/etcd-url.js';
import { loadConfig } from '../../../src/config/load.js';

const location = parseEtcdLocation('etcd://127.0.0.1:2379/fulcrum');
const assemble = (entries: Record<string, string>) => assembleDocument(location, new Map(Object.entries(entries)));
const refusal = (entries: Record<string, string>) => {
  try {
    assemble(entries);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the keys to be refused');
};

describe('parseEtcdLocation', () => {
  it('takes the gateway address and a prefix ending in /', () => {
    expect(parseEtcdLocation('etcd://10.0.0.5:2379/shop/fulcrum/')).toEqual({
      endpoint: 'http://10.0.0.5:2379',
      prefix: '/shop/fulcrum/',
      label: 'etcd://10.0.0.5:2379/shop/fulcrum/',
    });
  });

  it.each([
    ['etcd://127.0.0.1:2379', 'the key prefix is missing'],
    ['etcd://127.0.0.1:2379/', 'the key prefix is missing'],
    ['etcd://user:secret@127.0.0.1:2379/f', 'credentials in the URL are not supported'],
    ['etcd://127.0.0.1:2379/f?x=1', 'a query or fragment has no meaning here'],
  ])('refuses %s: %s', (url, problem) => {
    expect(() => parseEtcdLocation(url)).toThrow(problem);
  });
});

describe('assembleDocument', () => {
  it('puts config, pools and routes (in key order) into one document that loadConfig accepts', () => {
    const assembled = assemble({
      '/fulcrum/routes/020-web': 'match: { pathPrefix: / }\npool: web',
      '/fulcrum/pools/web': 'backends: ["127.0.0.1:9001"]',
      '/fulcrum/config': 'listen: 127.0.0.1:8181',
      '/fulcrum/routes/010-api': 'match: { pathPrefix: /api }\npool: api',
      '/fulcrum/pools/api': 'backends: ["127.0.0.1:9002"]\nalgorithm: least-connections',
    });
    expect(assembled.routeKeys).toEqual(['/fulcrum/routes/010-api', '/fulcrum/routes/020-web']);
    const config = loadConfig({ flags: new Map(), env: {}, document: { values: assembled.document, label: location.label } });
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8181 });
    expect(config.pools.map((pool) => pool.name).sort()).toEqual(['api', 'web']);
    expect(config.routes.map((route) => route.pool)).toEqual(['api', 'web']);
  });

  it('refuses a key holding invalid YAML, naming the key', () => {
    expect(refusal({ '/fulcrum/pools/web': 'backends: [127.0.0.1:9001' })).toMatch(/^etcd key \/fulcrum\/pools\/web is not valid YAML: /);
  });

  it('refuses a key holding a list or a scalar where a mapping belongs', () => {
    expect(refusal({ '/fulcrum/routes/010-a': '- a\n- b' })).toContain(
      'etcd key /fulcrum/routes/010-a must hold a YAML mapping (one route',
    );
    expect(refusal({ '/fulcrum/config': 'just text' })).toContain('etcd key /fulcrum/config must hold a YAML mapping');
  });

  it('refuses a key outside the layout, and pools or routes inside the config key', () => {
    expect(refusal({ '/fulcrum/pool/web': 'backends: []' })).toContain("etcd key /fulcrum/pool/web is not part of Fulcrum's layout");
    expect(refusal({ '/fulcrum/config': 'pools: {}' })).toContain('holds "pools", which live under /fulcrum/pools/');
  });
});

describe('withEtcdKeys', () => {
  it('adds the key a pool or route problem came from, also for dotted pool names', () => {
    const assembled = assemble({
      '/fulcrum/pools/a': 'backends: []',
      '/fulcrum/pools/a.b': 'backends: []',
      '/fulcrum/routes/010-x': 'pool: a',
    });
    const message = 'L: pools.a.b.backends="x" is invalid; L: pools.a.algorithm="y" is invalid; L: routes[0].pool="z"';
    expect(withEtcdKeys(message, assembled)).toBe(
      'L: pools.a.b (key /fulcrum/pools/a.b).backends="x" is invalid; L: pools.a (key /fulcrum/pools/a).algorithm="y" is invalid; ' +
        'L: routes[0] (key /fulcrum/routes/010-x).pool="z"',
    );
  });
});
