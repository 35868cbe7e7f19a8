// The WAF in the config file: defaults, the top-level WAF on every route without its own, `waf: off`, and each
// mistake refused with its key and the fix (a rule file with a syntax error: libmodsecurity's message and the
// file). Loads the real Core Rule Set, so skipped when the addon was built without libmodsecurity.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { native } from '../../../src/native/load.js';
import { configFileLoader, configRefusal } from '../../helpers/config-file.js';

const BROKEN_RULES = fileURLToPath(new URL('../../fixtures/waf/broken.conf', import.meta.url));
const MARKER_RULES = fileURLToPath(new URL('../../fixtures/waf/deny-marker.conf', import.meta.url));

describe.skipIf(!native.waf.available)('waf in the config file', () => {
  it('defaults to block mode at paranoia 1 with a 128kb body limit; a route keeps its own WAF or turns it off', () => {
    const config = configFileLoader({
      waf: {},
      routes: [
        { match: { pathPrefix: '/static' }, pool: 'default', waf: 'off' },
        { match: { pathPrefix: '/admin' }, pool: 'default', waf: { mode: 'detect', paranoia: 2, rules: [MARKER_RULES], bodyLimit: '1mb' } },
        { match: {}, pool: 'default' },
      ],
    })();
    const [statics, admin, rest] = config.routes;
    expect(statics?.waf).toBeNull();
    expect(admin?.waf).toMatchObject({ mode: 'detect', paranoia: 2, rules: [MARKER_RULES], bodyLimit: 1024 * 1024 });
    expect(admin?.waf?.directives).toContain('SecRuleEngine DetectionOnly');
    expect(admin?.waf?.directives).toContain(`Include "${MARKER_RULES}"`);
    expect(rest?.waf).toMatchObject({ mode: 'block', paranoia: 1, rules: [], bodyLimit: 128 * 1024 });
    expect(rest?.waf?.directives).toContain('setvar:tx.paranoia_level=1');
  });

  it('puts the top-level WAF on the catch-all route when there are no routes', () => {
    expect(configFileLoader({ waf: { mode: 'block' } })().routes[0]?.waf?.mode).toBe('block');
  });

  it.each([
    [{ waf: { mode: 'deny' } }, /waf\.mode.*expected detect \(log only\) or block \(403\)/],
    [{ waf: { paranoia: 5 } }, /waf\.paranoia.*from 1 .* to 4/],
    [{ waf: { paranoia: 'high' } }, /waf\.paranoia.*from 1/],
    [{ waf: { rules: ['missing.conf'] } }, /waf\.rules\[0\].*cannot read .*missing\.conf; give an existing ModSecurity rules file/],
    [{ waf: { rules: 'x' } }, /waf\.rules\[0\].*cannot read/],
    [{ waf: { bodyLimit: 'lots' } }, /waf\.bodyLimit.*expected a size/],
    [{ waf: { mode: 'block', level: 1 } }, /waf\.level.*unknown key/],
    [{ waf: 'on' }, /waf.*expected \{mode: detect \| block/],
    [{ routes: [{ match: {}, pool: 'default', waf: { paranoia: 0 } }] }, /routes\[0\]\.waf\.paranoia/],
  ])('refuses %j', (document, message) => {
    expect(configRefusal(configFileLoader(document))).toMatch(message);
  });

  it("refuses a rule file with a syntax error, with libmodsecurity's message and the file", () => {
    const message = configRefusal(configFileLoader({ waf: { rules: [BROKEN_RULES] } }));
    expect(message).toMatch(/waf\.rules.*libmodsecurity could not load/);
    expect(message).toContain(BROKEN_RULES);
    expect(message).toMatch(/Expecting an action, got: noSuchAction/);
  });

  it('refuses waf in tcp and udp mode', () => {
    expect(configRefusal(configFileLoader({ waf: { mode: 'block' } }, { FULCRUM_MODE: 'tcp' }))).toMatch(/waf applies to http mode/);
    expect(configRefusal(configFileLoader({ waf: { mode: 'block' } }, { FULCRUM_MODE: 'udp' }))).toMatch(/waf applies to http mode/);
  });
});
