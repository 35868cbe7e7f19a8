// A HEAD answer with a Content-Length (what nearly every origin sends) must leave the keep-alive connection
// ready for the next request: uWS 20.30's endWithoutBody(length) left the response pending, and the next
// request on the connection was dropped as if pipelined (issue #13, item 1). Driven by python3 and node.
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRONTS, type L7Proxy, startL7Proxy } from '../../helpers/l7-proxy.js';
import { startOrigin, type TestOrigin } from '../../helpers/origins.js';
import { runProgram } from '../../helpers/real-clients.js';

/** HEAD then GET on one http.client connection; prints each status and the Content-Length of the HEAD. */
const PYTHON_HEAD_THEN_GET = `
import http.client, sys
connection = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]), timeout=5)
connection.request('HEAD', sys.argv[2])
head = connection.getresponse()
head.read()
connection.request('GET', sys.argv[3])
get = connection.getresponse()
print(head.status, head.getheader('content-length'), get.status, get.read().decode())
`;

describe.each(FRONTS)('HEAD on a keep-alive connection ($name front)', (front) => {
  let origin: TestOrigin;
  let proxy: L7Proxy;
  const seen: string[] = [];

  beforeAll(async () => {
    origin = await startOrigin('origin', (incoming, response) => {
      seen.push(`${incoming.method} ${incoming.url}`);
      const body = `answer to ${incoming.method}`;
      incoming.resume();
      incoming.on('end', () => {
        response.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
        response.end(body);
      });
    });
    proxy = await startL7Proxy(front.env, {
      pools: { app: { backends: [origin.address] } },
      routes: [{ match: { pathPrefix: '/app' }, pool: 'app' }],
    });
  });
  afterAll(async () => {
    await proxy?.stop();
    await origin?.close();
  });

  it('python http.client: HEAD (proxied, with Content-Length) then GET on the same connection', async () => {
    const result = await runProgram('python3', ['-c', PYTHON_HEAD_THEN_GET, String(proxy.port), '/app/head', '/app/get']);
    expect(result.stderr).toBe('');
    // The HEAD answer keeps the origin's Content-Length ("answer to HEAD", 14 bytes).
    expect(result.stdout.trim()).toBe('200 14 200 answer to GET');
    expect(seen.slice(-2)).toEqual(['HEAD /app/head', 'GET /app/get']);
  });

  /** One request over `agent`: status, body, and whether the agent reused a kept-alive socket for it. */
  function exchange(agent: Agent, method: string, path: string, body?: string) {
    return new Promise<{ status: number; body: string; reused: boolean }>((resolve, reject) => {
      const outgoing = request(`${proxy.url}${path}`, { method, agent }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text, reused: outgoing.reusedSocket }));
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  /** Lets the agent put the socket back in its free list before the next request takes it. */
  const socketFreed = () => new Promise((resolve) => setImmediate(resolve));

  it('node keep-alive agent: HEAD then POST reuse one socket and the POST reaches the origin', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await exchange(agent, 'HEAD', '/app/agent')).toEqual({ status: 200, body: '', reused: false });
      await socketFreed();
      expect(await exchange(agent, 'POST', '/app/agent', 'payload')).toEqual({ status: 200, body: 'answer to POST', reused: true });
      expect(seen.slice(-2)).toEqual(['HEAD /app/agent', 'POST /app/agent']);
    } finally {
      agent.destroy();
    }
  });

  it("node keep-alive agent: Fulcrum's own answer to a HEAD (404) has no body, so the next GET reads its own answer", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await exchange(agent, 'HEAD', '/elsewhere')).toEqual({ status: 404, body: '', reused: false });
      await socketFreed();
      expect(await exchange(agent, 'GET', '/app/after-404')).toEqual({ status: 200, body: 'answer to GET', reused: true });
    } finally {
      agent.destroy();
    }
  });
});
