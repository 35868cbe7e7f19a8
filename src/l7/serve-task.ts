// The long-lived piscina task each L7 worker runs: a uWS app on the shared port (SO_REUSEPORT)
// that routes and forwards requests until the main thread broadcasts "drain".
import { threadId } from 'node:worker_threads';
import type { RouteConfig } from '../config/types.js';
import { CONTROL_CHANNEL, STATUS_CHANNEL, type ControlMessage, type StatusMessage } from './channels.js';
import { extractHashKey } from './hash-key.js';
import { ProxiedRequest } from './proxy-request.js';
import { replyError } from './replies.js';
import { buildRequestHead } from './request-head.js';
import { hostWithoutPort, Router } from './router.js';
import { uws, type HttpRequest, type HttpResponse, type us_listen_socket } from './uws.js';
import { WorkerPool, type UpstreamSettings, type WorkerPoolSpec } from './worker-pool.js';

export interface ServeTask {
  host: string;
  port: number;
  pools: WorkerPoolSpec[];
  routes: RouteConfig[];
  upstream: UpstreamSettings;
}

export interface ServeSummary {
  threadId: number;
  requests: number;
}

const decoder = new TextDecoder();

export default function serve(task: ServeTask): Promise<ServeSummary> {
  const pools = new Map(task.pools.map((spec) => [spec.name, new WorkerPool(spec, task.upstream)]));
  const router = new Router(task.routes, pools.has('default') ? 'default' : null);
  const status = new BroadcastChannel(STATUS_CHANNEL);
  const control = new BroadcastChannel(CONTROL_CHANNEL);
  let requests = 0;
  let inFlight = 0;

  const app = uws.App().any('/*', (res: HttpResponse, req: HttpRequest) => {
    requests++;
    inFlight++;
    handle(res, req, () => inFlight--);
  });

  function handle(res: HttpResponse, req: HttpRequest, done: () => void): void {
    const method = req.getMethod().toUpperCase();
    const path = req.getUrl();
    const query = req.getQuery();
    const headers: string[] = [];
    req.forEach((name, value) => headers.push(name, value));
    const host = req.getHeader('host');
    const header = (name: string) => req.getHeader(name);
    const poolName = router.route({ host: hostWithoutPort(host), path, method, header });
    const pool = poolName === null ? undefined : pools.get(poolName);
    if (!pool) {
      replyError(res, 404, 'no-route', `No route matches ${method} ${host}${path}.`);
      return done();
    }
    const clientAddress = decoder.decode(res.getRemoteAddressAsText());
    const hashKey = pool.hashKey ? extractHashKey(pool.hashKey, { clientAddress, path, query, header }) : '';
    const contentLength = req.getHeader('content-length');
    const chunkedBody = contentLength === '' && req.getHeader('transfer-encoding') !== '';
    const hasBody = chunkedBody || (contentLength !== '' && contentLength !== '0');
    const framing = chunkedBody ? 'transfer-encoding: chunked' : hasBody ? `content-length: ${contentLength}` : null;
    const target = query ? `${path}?${query}` : path;
    const head = buildRequestHead({ method, target, headers, host, clientAddress, protocol: 'http' }, framing);
    new ProxiedRequest(res, { pool, hashKey: hashKey || undefined, head, method, hasBody, chunkedBody }, done);
  }

  return new Promise((resolve, reject) => {
    let listenSocket: us_listen_socket | null = null;
    app.listen(task.host, task.port, (socket) => {
      if (!socket) {
        control.close();
        status.close();
        reject(new Error(`cannot listen on ${task.host}:${task.port}: the address is in use or not available`));
        return;
      }
      listenSocket = socket;
      status.postMessage({ type: 'listening', threadId } satisfies StatusMessage);
    });
    control.onmessage = (event: { data: ControlMessage }) => {
      if (event.data.type !== 'drain' || !listenSocket) return;
      uws.us_listen_socket_close(listenSocket);
      listenSocket = null;
      const deadline = Date.now() + event.data.deadlineMs;
      const finish = () => {
        if (inFlight > 0 && Date.now() < deadline) {
          setTimeout(finish, 20);
          return;
        }
        for (const pool of pools.values()) pool.close();
        // Closing every uWS socket (idle keep-alive clients included) before the task ends is what lets
        // piscina stop this thread: a worker whose loop still holds uWS sockets aborts the process.
        (app as typeof app & { close(): void }).close();
        control.close();
        status.close();
        setImmediate(() => resolve({ threadId, requests }));
      };
      finish();
    };
  });
}
