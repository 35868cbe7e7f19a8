// A backend that answers an upload before reading it, as nginx's `return` or an early 401 or 413 does.
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRONTS, type L7Proxy, send, startL7Proxy } from '../../helpers/l7-proxy.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';

const UPLOAD = Buffer.alloc(1024 * 1024, 'u');

describe.each(FRONTS)('backend answering before the request body is read ($name front)', (front) => {
  let backend: TestOrigin;
  let proxy: L7Proxy;

  beforeAll(async () => {
    backend = await startOrigin('early', (request, response) => response.end(`early ${request.method}`));
    proxy = await startL7Proxy({ ...front.env, FULCRUM_BACKENDS: backend.address });
  });
  afterAll(async () => {
    await proxy?.stop();
    await backend?.close();
  });

  it('answers every upload on one client connection, and the requests after them', async () => {
    const oneConnection = new Agent({ keepAlive: true, maxSockets: 1 });
    const replies = [];
    for (let index = 0; index < 5; index++)
      replies.push(await send(`${proxy.url}/upload`, { method: 'POST', body: UPLOAD, agent: oneConnection }));
    replies.push(await send(`${proxy.url}/after`, { agent: oneConnection }));
    oneConnection.destroy();
    expect(replies.map(({ status, body }) => `${status} ${body}`)).toEqual([...Array(5).fill('200 early POST'), '200 early GET']);
    expect(backend.requests).toBe(6);
  });
});
