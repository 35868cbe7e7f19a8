// uWS 20.30 routes `any('/*')` only for GET, POST, HEAD, PUT, DELETE, CONNECT, OPTIONS, TRACE and PATCH
// (HttpRouter.h `upperCasedMethods`) and closes the connection of any other method before Fulcrum sees it
// (README, "Known limitations"; issue #13, item 2). This pins that behaviour, so a uWS that lifts it shows here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';
import { runProgram } from '../../helpers/real-clients.js';

describe('methods uWS 20.30 does not route', () => {
  let origin: TestOrigin;
  let proxy: L7Proxy;

  beforeAll(async () => {
    origin = await startOrigin('origin');
    proxy = await startL7Proxy({ FULCRUM_BACKENDS: origin.address });
  });
  afterAll(async () => {
    await proxy?.stop();
    await origin?.close();
  });

  /** curl's exit code and the status it got (000 when none). */
  const curlMethod = (method: string) =>
    runProgram('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', method, `${proxy.url}/dav/`]);

  it.each(['PROPFIND', 'MKCOL', 'PURGE', 'BAN', 'get'])('%s: the connection is closed with no reply (curl exits 52)', async (method) => {
    const before = origin.requests;
    expect(await curlMethod(method)).toMatchObject({ exitCode: 52, stdout: '000' });
    expect(origin.requests).toBe(before);
  });

  it.each(['PATCH', 'OPTIONS', 'DELETE'])('%s is forwarded', async (method) => {
    expect(await curlMethod(method)).toMatchObject({ exitCode: 0, stdout: '200' });
  });
});
