// The config file's `listeners:`: one process serves the uWS front on FULCRUM_LISTEN and the complete
// front on another port, with the same pools and routes; bad entries are refused by name at start-up.

import { writeFileSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import { expect, it } from 'vitest';
import { stringify } from 'yaml';
import { describeConfig } from '../../../src/config/describe.js';
import { loadConfig } from '../../../src/config/load.js';
import { tempConfigPath } from '../../helpers/config-file.js';
import { startL7Proxy } from '../../helpers/l7-proxy.js';
import { freePort, startOrigin } from '../../helpers/origins.js';

function writeConfigFile(document: Record<string, unknown>): string {
  const path = tempConfigPath('fulcrum.yaml');
  writeFileSync(path, stringify(document));
  return path;
}

function h2cGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({ ':path': path });
    let body = '';
    let status = 0;
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    stream.on('data', (chunk) => {
      body += chunk;
    });
    stream.on('end', () => {
      session.close();
      resolve({ status, body });
    });
    stream.on('error', reject);
  });
}

it('serves HTTP/1.1 on the uWS listener and h2c on an extra `all` listener, through the same routes', async () => {
  const origin = await startOrigin('origin');
  const extraPort = await freePort();
  const proxy = await startL7Proxy({}, { backends: [origin.address], listeners: [{ listen: `127.0.0.1:${extraPort}`, protocols: 'all' }] });
  try {
    const viaUws = await fetch(`${proxy.url}/a`);
    expect(viaUws.status).toBe(200);
    expect(await viaUws.text()).toBe('origin');
    expect(await h2cGet(extraPort, '/b')).toEqual({ status: 200, body: 'origin' });
    expect(proxy.process.output()).toContain(`127.0.0.1:${extraPort}: HTTP/1.0, HTTP/1.1 with pipelining, h2c by prior knowledge`);
  } finally {
    await proxy.stop();
    await origin.close();
  }
});

it('describes every listener in --check-config, and refuses bad entries naming the key', () => {
  const file = writeConfigFile({
    backends: ['127.0.0.1:1'],
    listen: '127.0.0.1:8080',
    listeners: [{ listen: '127.0.0.1:8443', protocols: 'all' }],
  });
  const config = loadConfig({ flags: new Map(), env: { FULCRUM_CONFIG: file } });
  expect(describeConfig(config, [])).toContain('listener 127.0.0.1:8443: HTTP/1.0, HTTP/1.1 with pipelining, h2c by prior knowledge');
  const load =
    (listeners: unknown, env: Record<string, string> = {}) =>
    () =>
      loadConfig({
        flags: new Map(),
        env: { FULCRUM_CONFIG: writeConfigFile({ backends: ['127.0.0.1:1'], listen: '127.0.0.1:8080', listeners }), ...env },
      });
  expect(load([{ listen: '127.0.0.1:8080' }])).toThrow(/listeners\[0\]\.listen.*address of .*listen/);
  expect(load([{ listen: '127.0.0.1:8443', tls: true }])).toThrow(/listeners\[0\]\.tls.*needs a certificate; set FULCRUM_TLS_CERT/);
  expect(load([{ listen: '127.0.0.1:8443', protocols: 'h3' }])).toThrow(/listeners\[0\]\.protocols.*expected one of: http\/1\.1, all/);
  // tcp mode's listeners choose a transport, not a front (docs/udp.md).
  expect(load([{ listen: '127.0.0.1:8443' }], { FULCRUM_MODE: 'tcp' })).toThrow(
    /listeners\[0\].*expected \{listen: HOST:PORT, protocol: tcp \| udp\}/,
  );
});
