// A certificate renewed in place (same path, new file contents) is served after a reload, as operators
// expect from certbot-style renewals followed by SIGHUP. Both fronts.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { expect, it } from 'vitest';
import { waitForStats } from '../../helpers/admin.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { CLI, startForTest } from '../../helpers/fulcrum-process.js';
import { FRONTS } from '../../helpers/l7-proxy.js';
import { freePort, startOrigin } from '../../helpers/origins.js';
import { makeCertificate } from '../../helpers/tls-files.js';

const cleanup = cleanupAfterEach();

/** The common name of the certificate the server presents. */
function servedName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'renewed.test' }, () => {
      const subject = socket.getPeerCertificate().subject;
      socket.destroy();
      resolve(String(subject?.CN));
    });
    socket.once('error', reject);
  });
}

it.each(FRONTS)('serves a certificate renewed at the same path after SIGHUP ($name front)', async (front) => {
  const origin = cleanup.add(await startOrigin('a'), (started) => started.close());
  const [before, after] = [makeCertificate('before'), makeCertificate('after')];
  const folder = mkdtempSync(join(tmpdir(), 'fulcrum-renewal-'));
  const live = { cert: join(folder, 'live.crt'), key: join(folder, 'live.key') };
  copyFileSync(before.cert, live.cert);
  copyFileSync(before.key, live.key);
  const [port, admin] = [await freePort(), await freePort()];
  const env = {
    ...front.env,
    FULCRUM_BACKENDS: origin.address,
    FULCRUM_LISTEN: `127.0.0.1:${port}`,
    FULCRUM_ADMIN_LISTEN: `127.0.0.1:${admin}`,
    FULCRUM_WORKERS: '1',
    FULCRUM_TLS_CERT: live.cert,
    FULCRUM_TLS_KEY: live.key,
  };
  const fulcrum = await startForTest(cleanup, CLI, [], env, 'fulcrum is serving');
  expect(await servedName(port)).toBe('before');
  copyFileSync(after.cert, live.cert);
  copyFileSync(after.key, live.key);
  fulcrum.child.kill('SIGHUP');
  await waitForStats(admin, (stats) => stats.reloads.applied === 1, 5_000);
  // The log is written asynchronously: the line may land just after the counter moved.
  await expect.poll(() => fulcrum.output(), { timeout: 2_000 }).toContain('tls file contents');
  expect(await servedName(port)).toBe('after');
});
