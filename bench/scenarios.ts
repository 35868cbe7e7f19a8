// The scenarios of the suite: what load each one puts on a contender and which contenders it applies to.
import type { EdgeFeature } from './contenders/edge-features.js';
import { HASH_HEADER, LARGE_RESPONSES, SMALL_PATH, UNARY_PATH, UNARY_REQUEST_TEXT, UPLOAD_PATH } from './origins/payloads.js';

/** http: an L7 proxy; tcp: an L4 proxy; udp: an L4 proxy of datagrams. Direct (no proxy) runs every scenario as the reference. */
export type ProxyLayer = 'http' | 'tcp' | 'udp';
export type Balance = 'round-robin' | 'hash-header';
/**
 * h2c: HTTP/2 in cleartext by prior knowledge (the client starts with the preface, no Upgrade), HTTP/1.1 upstream.
 * grpc: gRPC, so h2c on both sides, to the gRPC origin.
 * dns: DNS over UDP, one reply per query (a proxy may end the flow at the reply: proxy_responses 1).
 * udp: a stream of datagrams both ways with no reply count (iperf3 -u).
 */
export type ClientProtocol = 'http/1.1' | 'h2c' | 'grpc' | 'dns' | 'udp';

export interface HttpRequestShape {
  method: 'GET' | 'POST';
  path: string;
  bodyBytes: number;
  newConnectionPerRequest: boolean;
  /** How many distinct HASH_HEADER values the requests cycle through; 0 sends no such header. */
  distinctHashKeys: number;
}

export type ScenarioLoad =
  | { kind: 'http'; request: HttpRequestShape; crossCheckWithWrk: boolean }
  /** h2load: `clients` connections, each with up to `streamsPerClient` requests in flight. */
  | { kind: 'h2'; request: HttpRequestShape; clients: number; streamsPerClient: number }
  /** h2load POSTs of one small gRPC message to bench.Echo/Unary on the gRPC origin, same shape as h2. */
  | { kind: 'grpc-unary'; clients: number; streamsPerClient: number }
  | { kind: 'idle-connections' }
  | { kind: 'bulk-transfer' }
  /** dnsperf over UDP: `clients` source ports with `outstanding` queries in flight over all of them. */
  | { kind: 'udp-dns'; clients: number; outstanding: number }
  /** iperf3 -u, unlimited rate, datagrams of `datagramBytes`. */
  | { kind: 'udp-bulk'; datagramBytes: number };

export interface Scenario {
  id: string;
  title: string;
  description: string;
  layers: readonly ProxyLayer[];
  balance: Balance;
  load: ScenarioLoad;
  /** An access rule or rate limit every contender applies (edge-features.ts). */
  edge?: EdgeFeature;
}

const BOTH_LAYERS = ['http', 'tcp'] as const;
const [RESPONSE_64K, RESPONSE_1M] = LARGE_RESPONSES;

function requestShape(request: Partial<HttpRequestShape>): HttpRequestShape {
  return { method: 'GET', path: SMALL_PATH, bodyBytes: 0, newConnectionPerRequest: false, distinctHashKeys: 0, ...request };
}

function httpLoad(request: Partial<HttpRequestShape>, crossCheckWithWrk: boolean): ScenarioLoad {
  return { kind: 'http', request: requestShape(request), crossCheckWithWrk };
}

export function clientProtocolOf(scenario: Scenario): ClientProtocol {
  if (scenario.load.kind === 'grpc-unary') return 'grpc';
  if (scenario.load.kind === 'udp-dns') return 'dns';
  if (scenario.load.kind === 'udp-bulk') return 'udp';
  return scenario.load.kind === 'h2' ? 'h2c' : 'http/1.1';
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'small-get',
    title: 'small GET, keep-alive',
    description: `GET ${SMALL_PATH} (22-byte body) on long-lived keep-alive connections: per-request overhead.`,
    layers: BOTH_LAYERS,
    balance: 'round-robin',
    load: httpLoad({}, true),
  },
  {
    id: 'new-connection',
    title: 'new connection per request',
    description: `GET ${SMALL_PATH} with "Connection: close", one request per client connection: accept and set-up cost.`,
    layers: BOTH_LAYERS,
    balance: 'round-robin',
    // wrk opens a new connection only when the server closes, so it cannot hold every contender to one request each.
    load: httpLoad({ newConnectionPerRequest: true }, false),
  },
  {
    id: 'response-64k',
    title: '64 KB responses',
    description: `GET ${RESPONSE_64K.path} (64 KiB body), keep-alive: mid-size copies.`,
    layers: BOTH_LAYERS,
    balance: 'round-robin',
    load: httpLoad({ path: RESPONSE_64K.path }, false),
  },
  {
    id: 'response-1m',
    title: '1 MB responses',
    description: `GET ${RESPONSE_1M.path} (1 MiB body), keep-alive: bulk response bandwidth.`,
    layers: BOTH_LAYERS,
    balance: 'round-robin',
    load: httpLoad({ path: RESPONSE_1M.path }, false),
  },
  {
    id: 'post-1m',
    title: '1 MB POST',
    description: `POST ${UPLOAD_PATH} with a 1 MiB body, small reply: request-body streaming.`,
    layers: BOTH_LAYERS,
    balance: 'round-robin',
    load: httpLoad({ method: 'POST', path: UPLOAD_PATH, bodyBytes: 1024 * 1024 }, false),
  },
  {
    id: 'h2-small-get',
    title: 'small GET over HTTP/2 (h2c)',
    description: `GET ${SMALL_PATH} over cleartext HTTP/2 by prior knowledge, 16 connections × 32 streams (h2load), HTTP/1.1 to the origin: multiplexed per-request overhead (L7 contenders that serve h2c only).`,
    layers: ['http'],
    balance: 'round-robin',
    load: { kind: 'h2', request: requestShape({}), clients: 16, streamsPerClient: 32 },
  },
  {
    id: 'grpc-unary',
    title: 'gRPC unary calls (h2c both sides)',
    description: `${UNARY_PATH} calls echoing a ${UNARY_REQUEST_TEXT.length}-character text (a ${UNARY_REQUEST_TEXT.length + 2}-byte message each way), 4 connections × 64 streams (h2load), h2c to one grpc-js origin: per-call overhead of a gRPC proxy (contenders that proxy gRPC only).`,
    layers: ['http'],
    balance: 'round-robin',
    // Few connections with many streams each, as gRPC clients hold a channel; 64 stays under HAProxy's default
    // limit of 100 concurrent streams per connection and NGINX's 128, so no contender queues calls the others send.
    load: { kind: 'grpc-unary', clients: 4, streamsPerClient: 64 },
  },
  {
    id: 'edge-access-rule',
    title: 'small GET through an access rule',
    description: `GET ${SMALL_PATH}, keep-alive, with a CIDR deny rule and a path-prefix deny rule that never match (Fulcrum access:, HAProxy http-request deny, NGINX deny/location): the cost of access rules (L7 only; Fulcrum's goal: within 5% of fulcrum-http-bare).`,
    layers: ['http'],
    balance: 'round-robin',
    load: httpLoad({}, false),
    edge: 'access-rule',
  },
  {
    id: 'edge-rate-limit',
    title: 'small GET through a rate limit that never trips',
    description: `GET ${SMALL_PATH}, keep-alive, counted against a per-client-address limit far above the load (Fulcrum rateLimit, HAProxy stick table with http_req_rate, NGINX limit_req): the cost of rate limiting (L7 only; Fulcrum's goal: within 5% of fulcrum-http-bare).`,
    layers: ['http'],
    balance: 'round-robin',
    load: httpLoad({}, false),
    edge: 'rate-limit',
  },
  {
    id: 'idle-connections',
    title: 'many idle connections',
    description: 'Opens many keep-alive connections, sends one GET on each, then holds them idle: memory per connection and idle CPU.',
    layers: BOTH_LAYERS,
    balance: 'round-robin',
    load: { kind: 'idle-connections' },
  },
  {
    id: 'hash-routed',
    title: 'hash-routed small GET',
    description: `GET ${SMALL_PATH} with ${HASH_HEADER} cycling through 1000 values, consistent hashing on that header (L7 only).`,
    layers: ['http'],
    balance: 'hash-header',
    load: httpLoad({ distinctHashKeys: 1000 }, true),
  },
  {
    id: 'l4-bulk',
    title: 'L4 bulk throughput',
    description: 'One TCP stream sending as fast as it can through the proxy (iperf3, else a built-in sender): L4 bandwidth.',
    layers: ['tcp'],
    balance: 'round-robin',
    load: { kind: 'bulk-transfer' },
  },
  {
    id: 'udp-dns',
    title: 'DNS over UDP (dnsperf)',
    description:
      'dnsperf A queries over UDP for names of a local zone, 16 source ports × 128 queries in flight, to two unbound resolvers; the proxies end each flow at its reply (proxy_responses 1): queries/s, p99 and lost queries (UDP contenders only).',
    layers: ['udp'],
    balance: 'round-robin',
    load: { kind: 'udp-dns', clients: 16, outstanding: 128 },
  },
  {
    id: 'udp-bulk',
    title: 'UDP bulk stream (iperf3 -u)',
    description:
      'One iperf3 -u stream of 1400-byte datagrams at unlimited rate through the proxy to an iperf3 server: received bandwidth and datagrams lost (UDP contenders only).',
    layers: ['udp'],
    balance: 'round-robin',
    load: { kind: 'udp-bulk', datagramBytes: 1400 },
  },
];

export function selectScenarios(only: string[] | null): Scenario[] {
  if (!only) return [...SCENARIOS];
  const unknown = only.filter((id) => !SCENARIOS.some((scenario) => scenario.id === id));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((scenario) => scenario.id).join(', ')}`);
  }
  return SCENARIOS.filter((scenario) => only.includes(scenario.id));
}
