// Rate limits in the config file: rates in any unit, the burst's default, top-level before route limits,
// and each mistake refused with its key and the fix.
import { describe, expect, it } from 'vitest';
import { configFileLoader, configRefusal } from '../../helpers/config-file.js';

describe('rate limits', () => {
  it('reads rates per second, minute and hour, defaults the burst to a second of the rate, and puts the top-level limit first', () => {
    const config = configFileLoader({
      rateLimit: { rate: '600/m' },
      routes: [{ match: {}, pool: 'default', rateLimit: { name: 'api', key: 'header:X-User', rate: '36/h', burst: 5 } }],
    })();
    expect(config.routes[0]?.rateLimits).toEqual([
      { name: 'global', key: [{ kind: 'ip' }], ratePerSecond: 10, burst: 10, maxDelayMs: 0 },
      { name: 'api', key: [{ kind: 'header', name: 'x-user' }], ratePerSecond: 0.01, burst: 5, maxDelayMs: 0 },
    ]);
    expect(configFileLoader({ rateLimit: { key: 'cookie:session', rate: 50 } })().routes[0]?.rateLimits).toEqual([
      { name: 'global', key: [{ kind: 'cookie', name: 'session' }], ratePerSecond: 50, burst: 50, maxDelayMs: 0 },
    ]);
  });

  it('reads combined keys and the delay action (a second by default)', () => {
    const limits = configFileLoader({
      rateLimit: { key: ['ip', 'header:X-Api-Key'], rate: '5/s', action: 'delay' },
      routes: [{ match: {}, pool: 'default', rateLimit: { rate: '5/s', action: 'delay', maxDelay: '250ms' } }],
    })().routes[0]?.rateLimits;
    expect(limits?.map(({ key, maxDelayMs }) => ({ key, maxDelayMs }))).toEqual([
      { key: [{ kind: 'ip' }, { kind: 'header', name: 'x-api-key' }], maxDelayMs: 1_000 },
      { key: [{ kind: 'ip' }], maxDelayMs: 250 },
    ]);
  });

  it.each([
    [{ rateLimit: { rate: '0/s' } }, /rateLimit\.rate.*above zero.*use an access rule/],
    [{ rateLimit: { rate: 'fast' } }, /rateLimit\.rate.*"100\/s"/],
    [{ rateLimit: { rate: '10/s', key: 'query:x' } }, /rateLimit\.key.*expected ip, header:NAME, cookie:NAME, route, or a list/],
    [{ rateLimit: { rate: '10/s', key: ['ip', 'port'] } }, /rateLimit\.key.*\[ip, header:x-api-key\]/],
    [{ rateLimit: { rate: '10/s', key: [] } }, /rateLimit\.key/],
    [{ rateLimit: { rate: '10/s', action: 'drop' } }, /rateLimit\.action.*expected reject.*or delay/],
    [{ rateLimit: { rate: '10/s', maxDelay: '1s' } }, /rateLimit\.maxDelay.*applies to action: delay only/],
    [{ rateLimit: { rate: '10/s', action: 'delay', maxDelay: '2h' } }, /rateLimit\.maxDelay.*from 0 to 1m/],
    [{ rateLimit: { rate: '10/s', action: 'delay', maxDelay: 0 } }, /rateLimit\.maxDelay.*above 0/],
    [{ rateLimit: { rate: '10/s', burst: 0 } }, /rateLimit\.burst.*from 1 to 1000000/],
    [{ rateLimit: { rate: '10/s', window: 5 } }, /rateLimit.*window/],
  ])('refuses %j', (document, message) => {
    expect(configRefusal(configFileLoader(document))).toMatch(message);
  });

  it('takes a per-IP rate limit in tcp mode as a connection rate, and refuses other keys there', () => {
    expect(configFileLoader({ rateLimit: { rate: '10/s' } }, { FULCRUM_MODE: 'tcp' })().tcpAccess.connectionRate).toEqual({
      name: 'global',
      key: [{ kind: 'ip' }],
      ratePerSecond: 10,
      burst: 10,
      maxDelayMs: 0,
    });
    expect(configRefusal(configFileLoader({ rateLimit: { rate: '10/s', key: 'header:x' } }, { FULCRUM_MODE: 'tcp' }))).toMatch(
      /rateLimit\.key.*per client IP only: use key: ip/,
    );
  });
});
