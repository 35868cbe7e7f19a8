// The long-lived piscina task each L7 worker runs: a front (uWS, or node:http/http2) on the shared port
// (SO_REUSEPORT) that routes and forwards requests until the main thread broadcasts "drain".
import { threadId } from 'node:worker_threads';
import type { CidrBlock } from '../config/cidr.js';
import type { L7Protocols } from '../config/l7-types.js';
import type { HostPort, RouteConfig } from '../config/types.js';
import { AccessCounter } from './access-counts.js';
import { type ControlMessage, controlChannel, type StatusMessage, statusChannel } from './channels.js';
import { ClientSweep, type ClientTimeouts } from './client-sweep.js';
import type { Front, StartFailure } from './front.js';
import { LatencyRecorder } from './latency-recorder.js';
import { createListenerApp, createRedirectApp, type TlsSpec } from './listener-app.js';
import { NodeFront } from './node-front.js';
import type { WorkerTraffic } from './proxy-request.js';
import { RequestHandler, type RequestLimits } from './request-handler.js';
import { RetryCounter } from './retry-counts.js';
import { claimCounterRow, type SplitCounterSpec } from './split-counters.js';
import { TrafficSplit } from './traffic-split.js';
import { TrustedProxies } from './trusted-proxies.js';
import { UwsFront, type UwsListener } from './uws-front.js';
import { WafCounter } from './waf-counts.js';
import { websocketBehavior } from './websocket-proxy.js';
import { type UpstreamSettings, WorkerPool, type WorkerPoolSpec } from './worker-pool.js';

export interface ListenerSpec {
  host: string;
  port: number;
  protocols: L7Protocols;
  tls: boolean;
}

export interface ServeTask {
  host: string;
  port: number;
  pools: WorkerPoolSpec[];
  routes: RouteConfig[];
  upstream: UpstreamSettings;
  limits: RequestLimits;
  /** FULCRUM_CLIENT_BODY_TIMEOUT and FULCRUM_CLIENT_SEND_TIMEOUT. */
  clientTimeouts: ClientTimeouts;
  trustedProxies: CidrBlock[];
  /** FULCRUM_PROTOCOLS: the uWS front (http/1.1) or the node:http/http2 front (all). */
  protocols: L7Protocols;
  /** The config file's listeners beside host:port, each with its front; `tls` serves them with `tls` below. */
  listeners: ListenerSpec[];
  /** Serve HTTPS when set. */
  tls: TlsSpec | null;
  /** Plain-HTTP listener that redirects to HTTPS, when set. */
  redirect: HostPort | null;
  /** Arm counters of the routes' splits (main thread's SharedArrayBuffer). */
  splitCounters: SplitCounterSpec;
  /** FULCRUM_ACCESS_LOG: one JSON line per request. */
  accessLog: boolean;
  /** Names this data plane's control and status channels. */
  planeId: string;
}

const COUNTS_FLUSH_MS = 1_000;
const DRAIN_QUIET_MS = 300;

function linkBackups(pools: Map<string, WorkerPool>): Map<string, WorkerPool> {
  for (const pool of pools.values()) pool.linkBackup(pools);
  return pools;
}

export interface ServeSummary {
  threadId: number;
  requests: number;
}

export type { StartFailure } from './front.js';

/**
 * The task's fronts: a node:http/http2 front per `all` listener; one uWS front for the `http/1.1` listeners
 * and the HTTPS redirect. Throws when a TLS certificate or key does not load.
 */
function createFronts(task: ServeTask, handler: () => RequestHandler): Front[] {
  const main: ListenerSpec = { host: task.host, port: task.port, protocols: task.protocols, tls: task.tls !== null };
  const uwsListeners: UwsListener[] = [];
  const fronts: Front[] = [];
  [main, ...task.listeners].forEach((listener, index) => {
    const tls = listener.tls ? task.tls : null;
    const setting = index === 0 ? 'listen' : 'listeners';
    if (listener.protocols === 'all') {
      fronts.push(new NodeFront({ host: listener.host, port: listener.port, tls, limits: task.limits }, handler, setting));
      return;
    }
    const scheme = tls ? 'https' : 'http';
    const app = createListenerApp(tls, (target) => {
      target.ws(
        '/*',
        websocketBehavior((res, req) => handler().resolveUpgrade(res, req, scheme)),
      );
      target.any('/*', (res, req) => handler().handle(res, req, scheme));
    });
    uwsListeners.push({ app, address: { host: listener.host, port: listener.port }, setting });
  });
  if (task.redirect) uwsListeners.push({ app: createRedirectApp(task.port), address: task.redirect, setting: 'httpsRedirectListen' });
  if (uwsListeners.length > 0) fronts.push(new UwsFront(uwsListeners));
  return fronts;
}

export default function serve(task: ServeTask): Promise<ServeSummary | StartFailure> {
  let pools = linkBackups(new Map(task.pools.map((spec) => [spec.name, new WorkerPool(spec, task.upstream)])));
  const traffic: WorkerTraffic = {
    requests: 0,
    inFlight: 0,
    draining: false,
    latency: new LatencyRecorder(),
    retries: new RetryCounter(),
    access: new AccessCounter(),
    waf: new WafCounter(),
    accessLog: task.accessLog,
    clients: new ClientSweep(task.clientTimeouts),
  };
  const trustedProxies = new TrustedProxies(task.trustedProxies);
  let handler = buildHandler(task.routes, task.splitCounters);

  function buildHandler(routes: RouteConfig[], counters: SplitCounterSpec): RequestHandler {
    const counterRow = claimCounterRow(counters);
    const splits = new Map<RouteConfig, TrafficSplit>();
    let armOffset = 0;
    for (const route of routes) {
      if (!route.split) continue;
      splits.set(route, new TrafficSplit(route.split, counterRow, armOffset));
      armOffset += route.split.arms.length;
    }
    return new RequestHandler({ routes, pools, splits, trustedProxies, limits: task.limits, traffic });
  }

  /** Hot reload: kept pools keep their upstream connections; requests in flight finish on what they had. */
  function reconfigure(specs: WorkerPoolSpec[], routes: RouteConfig[], counters: SplitCounterSpec): void {
    pools = linkBackups(
      new Map(specs.map((spec) => [spec.name, pools.get(spec.name)?.reconfigure(spec) ?? new WorkerPool(spec, task.upstream)])),
    );
    handler = buildHandler(routes, counters);
  }
  let fronts: Front[];
  try {
    fronts = createFronts(task, () => handler);
  } catch (error) {
    // uWS says only "App construction failed" when a certificate or key does not load.
    const files = task.tls ? [task.tls, ...task.tls.certificates].map((pair) => `${pair.cert} / ${pair.key}`).join(', ') : '';
    return Promise.resolve({ failed: 'tls', reason: `the TLS certificate and key (${files}) do not load (${(error as Error).message})` });
  }
  const status = new BroadcastChannel(statusChannel(task.planeId));
  const control = new BroadcastChannel(controlChannel(task.planeId));
  const flushCounts = (): void => {
    const delta = traffic.latency.take();
    if (delta) status.postMessage({ type: 'latency', delta } satisfies StatusMessage);
    const retries = traffic.retries.take();
    if (retries) status.postMessage({ type: 'retries', delta: retries } satisfies StatusMessage);
    const access = traffic.access.take();
    if (access) status.postMessage({ type: 'access', delta: access } satisfies StatusMessage);
    const waf = traffic.waf.take();
    if (waf) status.postMessage({ type: 'waf', delta: waf } satisfies StatusMessage);
  };
  const countsFlush = setInterval(flushCounts, COUNTS_FLUSH_MS);
  let accepting = false;

  return new Promise((resolve) => {
    const listening = fronts.map((front) => front.listen());
    void Promise.all(listening).then((results) => {
      const failure = results.find((result) => result !== null);
      if (failure) {
        // Nothing of uWS may outlive the task: piscina ends this thread, and a live uWS socket would abort the process.
        for (const front of fronts) {
          front.stopAccepting();
          front.closeAll();
        }
        clearInterval(countsFlush);
        control.close();
        status.close();
        resolve(failure);
        return;
      }
      accepting = true;
      status.postMessage({ type: 'listening', threadId } satisfies StatusMessage);
    });
    // A worker that ends with live uWS sockets aborts the whole process (node asserts its loop is empty),
    // so an uncaught error closes every socket first and only then ends this thread; piscina replaces it.
    process.on('uncaughtException', (error) => {
      for (const front of fronts) front.closeAll();
      setTimeout(() => {
        console.error(`fulcrum l7 worker ${threadId}: ${error.stack ?? error.message}`);
        process.exit(1);
      }, 10);
    });
    control.onmessage = (event: { data: ControlMessage }) => {
      if (event.data.type === 'reconfigure') return reconfigure(event.data.pools, event.data.routes, event.data.splitCounters);
      if (event.data.type === 'fail') {
        if (event.data.threadId === threadId)
          setImmediate(() => {
            throw new Error('failure injected by the main thread');
          });
        return;
      }
      if (!accepting) return;
      accepting = false;
      for (const front of fronts) front.stopAccepting();
      traffic.draining = true;
      const deadline = Date.now() + event.data.deadlineMs;
      // Keep-alive clients still sending on this worker's connections get `Connection: close` answers and
      // reconnect elsewhere; the connections are closed once nothing is in flight and no request has
      // arrived for a quiet spell, which leaves only an idle client's unlucky simultaneous send to race.
      let lastCount = traffic.requests;
      let quietSince = Date.now();
      const finish = () => {
        const now = Date.now();
        if (traffic.requests !== lastCount) {
          lastCount = traffic.requests;
          quietSince = now;
        }
        if ((traffic.inFlight > 0 || now - quietSince < DRAIN_QUIET_MS) && now < deadline) {
          setTimeout(finish, 20);
          return;
        }
        for (const pool of pools.values()) pool.close();
        for (const front of fronts) front.closeAll();
        clearInterval(countsFlush);
        flushCounts();
        control.close();
        status.close();
        setImmediate(() => resolve({ threadId, requests: traffic.requests }));
      };
      finish();
    };
  });
}
