// The edge-security scenarios' rules, written once per contender in its own language so that each does the
// same work per request: an access rule (deny a CIDR and a path prefix that the bench traffic never hits)
// or a rate limit per client address set far above the load (so it is consulted on every request and never
// trips). Fulcrum's ≤ 5% cost goal (issue #17) is read against the `fulcrum-http-bare` row of the same run.

/** What an edge scenario turns on in every contender. */
export type EdgeFeature = 'access-rule' | 'rate-limit';

/** Requests per second no bench run reaches: every request is counted, none refused. */
const UNREACHABLE_RATE = 1_000_000;

/** Top-level keys of Fulcrum's config file (they apply to every request through the catch-all route). */
export function fulcrumEdgeConfig(edge: EdgeFeature): Record<string, unknown> {
  if (edge === 'access-rule') {
    return {
      access: [
        { name: 'no-private', deny: { cidr: ['10.0.0.0/8'] } },
        { name: 'no-admin', deny: { pathPrefix: '/admin' } },
      ],
    };
  }
  return { rateLimit: { name: 'per-client', key: 'ip', rate: `${UNREACHABLE_RATE}/s`, burst: UNREACHABLE_RATE } };
}

/** Lines of HAProxy's frontend: `http-request deny` rules, or a stick table tracking each source's request rate. */
export function haproxyEdgeLines(edge: EdgeFeature): string[] {
  if (edge === 'access-rule') return ['http-request deny if { src 10.0.0.0/8 }', 'http-request deny if { path_beg /admin }'];
  return [
    'stick-table type ip size 100k expire 30s store http_req_rate(1s)',
    'http-request track-sc0 src',
    `http-request deny deny_status 429 if { sc_http_req_rate(0) gt ${UNREACHABLE_RATE} }`,
  ];
}

/** NGINX lines for the `http {}` block (a limit_req zone) and for the `server {}` block. */
export function nginxEdgeLines(edge: EdgeFeature): { http: string[]; server: string[] } {
  if (edge === 'access-rule') return { http: [], server: ['deny 10.0.0.0/8;', 'location /admin { return 403; }'] };
  return {
    http: [`limit_req_zone $binary_remote_addr zone=bench:10m rate=${UNREACHABLE_RATE}r/s;`],
    server: [`limit_req zone=bench burst=${UNREACHABLE_RATE} nodelay;`],
  };
}
