// The complete front (FULCRUM_PROTOCOLS=all) behind other proxies' defaults, which still speak HTTP/1.0:
// NGINX's proxy_pass (proxy_http_version 1.0) and HAProxy's `option httpchk` (OPTIONS / HTTP/1.0).
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoedRequestsIn, startEchoOrigin } from '../../helpers/echo-origin.js';
import { type FrontProxy, haproxyServerStat, startHaproxy, startNginx } from '../../helpers/front-proxies.js';
import { type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import type { TestOrigin } from '../../helpers/origins.js';

const PROTOCOLS = 'all';
/** HAProxy checks every 200 ms with a 1 s check timeout: a verdict comes well within this. */
const CHECK_VERDICT_WAIT_MS = 5_000;

describe('the complete front behind NGINX and HAProxy', () => {
  let echo: TestOrigin;
  let fulcrum: L7Proxy;
  let nginx: FrontProxy;
  let haproxy: FrontProxy;

  beforeAll(async () => {
    echo = await startEchoOrigin();
    fulcrum = await startL7Proxy({ FULCRUM_BACKENDS: echo.address, FULCRUM_PROTOCOLS: PROTOCOLS });
    [nginx, haproxy] = await Promise.all([startNginx(fulcrum.port), startHaproxy(fulcrum.port)]);
  });
  afterAll(async () => {
    await Promise.all([nginx?.process.stop(), haproxy?.process.stop()]);
    await fulcrum?.stop();
    await echo?.close();
  });

  it('NGINX with its default proxy_http_version 1.0 gets the origin answer for a GET and a POST', async () => {
    const get = await send(`${nginx.url}/via-nginx?x=1`, { agent: false });
    expect(get.status, get.body).toBe(200);
    expect(echoedRequestsIn(get.body)[0]).toMatchObject({ method: 'GET', url: '/via-nginx?x=1' });
    const post = await send(`${nginx.url}/upload`, { method: 'POST', body: 'through two proxies', agent: false });
    expect(post.status, post.body).toBe(200);
    const [seen] = echoedRequestsIn(post.body);
    expect(seen).toMatchObject({ method: 'POST', url: '/upload', body: 'through two proxies' });
    // NGINX's Host ($proxy_host) reaches the origin, and NGINX (loopback) is the client Fulcrum names.
    expect(seen?.headers).toMatchObject({ host: `127.0.0.1:${fulcrum.port}`, 'x-forwarded-for': '127.0.0.1' });
  });

  it('HAProxy reports Fulcrum UP after its HTTP/1.0 check (option httpchk), and routes to it', async () => {
    const statsSocket = haproxy.statsSocket as string;
    const deadline = Date.now() + CHECK_VERDICT_WAIT_MS;
    let stat = await haproxyServerStat(statsSocket, 'fulcrum', 'fulcrum');
    // A server is born UP in HAProxy; only a completed check (check_status leaves INI) says anything.
    while (/^(\* ?)?INI$|^$/.test(stat.check_status ?? '') && Date.now() < deadline) {
      await sleep(100);
      stat = await haproxyServerStat(statsSocket, 'fulcrum', 'fulcrum');
    }
    expect(stat, JSON.stringify(stat)).toMatchObject({ status: 'UP', check_status: 'L7OK', check_code: '200' });
    // And a request through HAProxy, which Fulcrum's server being UP makes possible.
    const reply = await send(`${haproxy.url}/via-haproxy`, { agent: false });
    expect(reply.status).toBe(200);
    expect(echoedRequestsIn(reply.body)[0]).toMatchObject({ method: 'GET', url: '/via-haproxy' });
  });
});
