// A setting's "http:", "tcp:" or "udp:" label (README, --help) must follow from where the code reads it: the
// L7 and L4 planes take their settings through l7Plan and l4Plan, so a recording config shows which.
import { expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { SETTINGS } from '../../../src/config/settings.js';
import type { FulcrumConfig } from '../../../src/config/types.js';
import { l4Plan, udpPlan } from '../../../src/data-plane.js';
import { l7Plan } from '../../../src/l7/http-proxy.js';
import { makeCertificate } from '../../helpers/tls-files.js';

function settingsRead(plan: (config: FulcrumConfig) => unknown, config: FulcrumConfig): Set<string> {
  const read = new Set<string>();
  plan(
    new Proxy(config, {
      get(target, key, receiver) {
        if (typeof key === 'string') read.add(key);
        return Reflect.get(target, key, receiver) as unknown;
      },
    }),
  );
  return read;
}

it('each setting is labelled http: or tcp: exactly when only that mode reads it', () => {
  const pair = makeCertificate('modes.test');
  // Every optional branch taken (TLS, redirect, PROXY protocol), so each plane reads all it can.
  const config = loadConfig({
    flags: new Map(),
    env: {
      FULCRUM_BACKENDS: '127.0.0.1:9001',
      FULCRUM_TLS_CERT: pair.cert,
      FULCRUM_TLS_KEY: pair.key,
      FULCRUM_HTTPS_REDIRECT_LISTEN: '127.0.0.1:8081',
      FULCRUM_PROXY_PROTOCOL: 'v2',
      FULCRUM_ACCESS_LOG: 'true',
    },
  });
  const http = settingsRead((recording) => l7Plan(recording, recording.pools), config);
  const tcp = settingsRead(l4Plan, config);
  const udp = settingsRead(udpPlan, config);
  const planes = { http, tcp, udp };
  const mislabelled = SETTINGS.flatMap((setting) => {
    const label = /^(http|tcp|udp)\b[^:]{0,12}:/.exec(setting.description)?.[1] ?? 'none';
    const readers = Object.entries(planes).filter(([, read]) => read.has(setting.key));
    const readBy = readers.length === 1 ? (readers[0] as [string, Set<string>])[0] : 'none';
    return label === readBy
      ? []
      : [`${setting.env}: labelled ${label}, but ${readBy === 'none' ? 'both modes or neither read it' : `only ${readBy} mode reads it`}`];
  });
  expect(mislabelled).toEqual([]);
});
