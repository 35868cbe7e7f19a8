// The L4 listener takes the values it is given: defaults come from the settings schema through
// src/l4/options.ts, and the addon refuses an options object that lacks a number instead of inventing one.
import { expect, it } from 'vitest';
import { settingDefault } from '../../../src/config/setting-defaults.js';
import { toNativeOptions } from '../../../src/l4/options.js';
import { native } from '../../../src/native/load.js';

it('options left out take the schema defaults (FULCRUM_CONNECT_TIMEOUT also cuts a silent PROXY-protocol client)', () => {
  const options = toNativeOptions({ listen: { host: '127.0.0.1', port: 0 }, poolName: 'p', workers: 1 });
  expect(options.connectTimeoutMs).toBe(settingDefault('connectTimeout'));
  expect(options.connectTimeoutMs).toBe(2_000);
  expect([options.idleTimeoutMs, options.retries]).toEqual([settingDefault('tcpIdleTimeout'), settingDefault('retries')]);
});

it('the addon refuses a listener without a connect timeout rather than defaulting it', () => {
  const options = toNativeOptions({ listen: { host: '127.0.0.1', port: 0 }, poolName: 'p', workers: 1 });
  const { connectTimeoutMs: _left, ...without } = options;
  expect(() => new native.l4.Listener(without as typeof options)).toThrow('l4.Listener option connectTimeoutMs is missing or malformed');
});
