import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../../src/config/settings.js';
import { CLI, runCli, START, startProcess } from '../../helpers/fulcrum-process.js';
import { freePort, startOrigin, type TestOrigin } from '../../helpers/origins.js';
import { makeCertificate } from '../../helpers/tls-files.js';

describe('fulcrum --help and --version', () => {
  it('--help lists every environment variable with its default', () => {
    const result = runCli(['--help']);
    expect(result.status).toBe(0);
    for (const setting of SETTINGS) {
      expect(result.stdout).toContain(setting.env);
      expect(result.stdout).toContain(`default: ${setting.defaultText || '(none)'}`);
    }
    expect(result.stdout).toContain('FULCRUM_CONFIG');
  });

  it('--version prints the package version and the addon build', () => {
    const result = runCli(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^fulcrum \d+\.\d+\.\d+ \(node v?\d+.*addon built with (gcc|clang)/);
  });
});

describe('fulcrum --check-config', () => {
  it('prints the effective config with sources for a good env', () => {
    const result = runCli(['--check-config', '--workers', '2'], {
      FULCRUM_BACKENDS: '127.0.0.1:9001*2,127.0.0.1:9002',
      FULCRUM_ALGORITHM: 'weighted-round-robin',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('configuration is valid');
    expect(result.stdout).toMatch(/FULCRUM_ALGORITHM\s+weighted-round-robin\s+\(env\)/);
    expect(result.stdout).toMatch(/FULCRUM_WORKERS\s+2\s+\(flag\)/);
    expect(result.stdout).toMatch(/FULCRUM_LISTEN\s+127\.0\.0\.1:8080\s+\(default\)/);
    expect(result.stdout).toContain('default: weighted-round-robin, hash key ip: 127.0.0.1:9001*2, 127.0.0.1:9002*1');
    expect(result.stdout).toMatch(/FULCRUM_HEALTH_CHECK\s+auto\s+\(default\)/);
    expect(result.stdout).toContain('health check: http GET / (status 100-499), every 2000 ms, timeout 1000 ms');
  });

  it.each([
    [{ FULCRUM_BACKENDS: 'nonsense' }, 'FULCRUM_BACKENDS="nonsense" is invalid'],
    [{ FULCRUM_BACKENDS: '127.0.0.1:1', FULCRUM_MODE: 'sctp' }, 'FULCRUM_MODE="sctp" is invalid: expected one of: http, tcp, udp'],
    [{}, 'no backends are configured'],
  ])('rejects a bad env with exit 2, one clear paragraph and no stack: %j', (env, expected) => {
    const result = runCli(['--check-config'], env);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(expected);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it('warns about an unknown FULCRUM_* variable, naming the nearest setting, and still checks', () => {
    const result = runCli(['--check-config'], { FULCRUM_BACKENDS: '127.0.0.1:9001', FULCRUM_LISTN: '0.0.0.0:80', FULCRUM_COLOUR: 'blue' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('warning: FULCRUM_LISTN is not a Fulcrum setting and is ignored; did you mean FULCRUM_LISTEN?');
    expect(result.stdout).toContain(
      'warning: FULCRUM_COLOUR is not a Fulcrum setting and is ignored; run "fulcrum --help" for every setting',
    );
  });

  it('refuses with exit 2 what the start would fail on: a swapped certificate and key', () => {
    const pair = makeCertificate('cli.test');
    const result = runCli(['--check-config'], {
      FULCRUM_BACKENDS: '127.0.0.1:9001',
      FULCRUM_TLS_CERT: pair.key,
      FULCRUM_TLS_KEY: pair.cert,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('the certificate and key are swapped');
    expect(result.stdout).toBe('');
  });

  it('rejects unknown options', () => {
    const result = runCli(['--listn', '1']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown option "--listn"');
  });
});

describe('fulcrum start and SIGTERM', () => {
  let origins: TestOrigin[];
  beforeAll(async () => {
    origins = await Promise.all([startOrigin('one'), startOrigin('two')]);
  });
  afterAll(async () => {
    await Promise.all(origins.map((origin) => origin.close()));
  });

  it('FULCRUM_BACKENDS=nonsense exits non-zero at start with the problem', () => {
    const result = runCli([], { FULCRUM_BACKENDS: 'nonsense' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('FULCRUM_BACKENDS="nonsense" is invalid');
  });

  it('serves through both origins in turn, then stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const fulcrum = await startProcess(
      CLI,
      [],
      {
        FULCRUM_BACKENDS: origins.map((origin) => origin.address).join(','),
        FULCRUM_LISTEN: `127.0.0.1:${port}`,
        FULCRUM_WORKERS: '1',
        FULCRUM_ADMIN_LISTEN: 'off',
      },
      'fulcrum is serving',
    );
    const bodies: string[] = [];
    for (let index = 0; index < 4; index++) {
      const response = await fetch(`http://127.0.0.1:${port}/hello`);
      expect(response.status).toBe(200);
      bodies.push(await response.text());
    }
    expect(bodies).toEqual(['one', 'two', 'one', 'two']);
    fulcrum.child.kill('SIGTERM');
    expect(await fulcrum.exited).toBe(0);
    expect(fulcrum.output()).toContain('fulcrum stopped');
  });

  // The listen address is probed before the data plane starts (another process there is refused);
  // the admin address fails at its own listen.
  const listenTaken = (address: string) => [`another process already listens on ${address}`, 'choose a free FULCRUM_LISTEN'];
  const adminTaken = (address: string) => [`cannot listen on ${address}`, 'set FULCRUM_ADMIN_LISTEN to a free address'];
  it.each([
    ['http', 'FULCRUM_LISTEN', listenTaken],
    ['tcp', 'FULCRUM_LISTEN', listenTaken],
    ['http', 'FULCRUM_ADMIN_LISTEN', adminTaken],
  ])('an address already in use (%s mode, %s) is a configuration error: exit 2 naming the setting', async (mode, variable, expected) => {
    const taken = origins[0] as TestOrigin;
    const env = {
      FULCRUM_MODE: mode,
      FULCRUM_BACKENDS: taken.address,
      FULCRUM_LISTEN: `127.0.0.1:${await freePort()}`,
      FULCRUM_WORKERS: '1',
      FULCRUM_ADMIN_LISTEN: 'off',
    };
    const result = runCli([], { ...env, [variable]: taken.address });
    expect(result.status).toBe(2);
    for (const text of expected(taken.address)) expect(result.stderr).toContain(text);
  });

  it('logs a warning for an unknown FULCRUM_* variable at start', async () => {
    const port = await freePort();
    const fulcrum = await startProcess(
      CLI,
      [],
      {
        FULCRUM_BACKENDS: (origins[0] as TestOrigin).address,
        FULCRUM_LISTEN: `127.0.0.1:${port}`,
        FULCRUM_WORKERS: '1',
        FULCRUM_ADMIN_LISTEN: 'off',
        FULCRUM_RETIRES: '5',
      },
      'fulcrum is serving',
    );
    fulcrum.child.kill('SIGTERM');
    expect(await fulcrum.exited).toBe(0);
    expect(fulcrum.output()).toContain('FULCRUM_RETIRES is not a Fulcrum setting and is ignored; did you mean FULCRUM_RETRIES?');
  });
});

describe('npm start without backends', () => {
  it('starts two demo origins and serves them on the listen address', async () => {
    const port = await freePort();
    const demo = await startProcess(
      START,
      [],
      { FULCRUM_LISTEN: `127.0.0.1:${port}`, FULCRUM_WORKERS: '1', FULCRUM_ADMIN_LISTEN: 'off' },
      'Try:',
    );
    expect(demo.output()).toContain(`curl http://127.0.0.1:${port}/`);
    const first = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { origin: string };
    const second = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { origin: string };
    expect(new Set([first.origin, second.origin])).toEqual(new Set(['demo-origin-1', 'demo-origin-2']));
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
  });
});
