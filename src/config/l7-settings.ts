// The L7 engine's rows of the settings schema: upstream timeouts and pool size, retries, limits, trust, TLS.
// FULCRUM_CONNECT_TIMEOUT and FULCRUM_RETRIES act in tcp mode too (src/data-plane.ts, l4Plan).
import { formatByteSize, parseByteSize } from './byte-size.js';
import { formatCidrList, parseCidrList } from './cidr.js';
import { formatDuration, formatHostPort, parseDuration, parseInteger, parseOneOf, parseOptionalHostPort } from './parsers.js';
import { type SettingSpec, spec } from './setting-spec.js';
import type { Settings } from './types.js';
import { UPSTREAM_PROTOCOLS } from './upstream-protocol.js';

const MAX_TIMEOUT_MS = 3_600_000;

function parseOptionalPath(raw: string): string | null {
  return raw.trim() === '' ? null : raw.trim();
}

export const L7_SETTINGS = [
  spec({
    key: 'protocols',
    env: 'FULCRUM_PROTOCOLS',
    flag: '--protocols',
    defaultText: 'http/1.1',
    accepted: 'http/1.1 | all',
    description:
      'http: the front that serves clients. http/1.1 = uWebSockets.js, the fast path for HTTP/1.1 keep-alive clients. ' +
      'all = node:http and node:http2: also HTTP/1.0, pipelining, absolute-form targets, h2c (prior knowledge) and, with TLS, h2 by ALPN.',
    parse: (raw) => parseOneOf(raw, ['http/1.1', 'all'] as const),
    format: (value) => value,
  }),
  spec({
    key: 'upstreamProtocol',
    env: 'FULCRUM_UPSTREAM_PROTOCOL',
    flag: '--upstream-protocol',
    defaultText: 'http/1.1',
    accepted: 'http/1.1 | h2c | h2',
    description:
      'How http-mode pools talk to their backends, unless a pool sets protocol (tcp mode refuses anything but http/1.1). h2c = HTTP/2 in cleartext (prior knowledge), ' +
      "as gRPC backends expect; h2 = HTTP/2 over TLS, certificates checked against the system CAs (a pool's tls sets a CA). " +
      'gRPC clients also need FULCRUM_PROTOCOLS=all.',
    parse: (raw) => parseOneOf(raw, UPSTREAM_PROTOCOLS),
    format: (value) => value,
  }),
  spec({
    key: 'connectTimeout',
    env: 'FULCRUM_CONNECT_TIMEOUT',
    flag: '--connect-timeout',
    defaultText: '2s',
    accepted: 'duration, 10ms-1h',
    description:
      'A backend that does not accept the connection in time counts as a connect failure (retried elsewhere). ' +
      'With FULCRUM_ACCEPT_PROXY_PROTOCOL, also the time a client has to send its PROXY header.',
    parse: (raw) => parseDuration(raw, { min: 10, max: MAX_TIMEOUT_MS }),
    format: formatDuration,
  }),
  spec({
    key: 'responseTimeout',
    env: 'FULCRUM_RESPONSE_TIMEOUT',
    flag: '--response-timeout',
    defaultText: '30s',
    accepted: 'duration, 10ms-1h',
    description: "http: longest wait for a backend's response headers after the request was sent (504 upstream-response-timeout).",
    parse: (raw) => parseDuration(raw, { min: 10, max: MAX_TIMEOUT_MS }),
    format: formatDuration,
  }),
  spec({
    key: 'upstreamIdleTimeout',
    env: 'FULCRUM_UPSTREAM_IDLE_TIMEOUT',
    flag: '--upstream-idle-timeout',
    defaultText: '60s',
    accepted: 'duration, 10ms-1h',
    description:
      'http: a backend connection silent this long mid-response is cut; a pooled keep-alive connection idle this long is closed.',
    parse: (raw) => parseDuration(raw, { min: 10, max: MAX_TIMEOUT_MS }),
    format: formatDuration,
  }),
  spec({
    key: 'clientBodyTimeout',
    env: 'FULCRUM_CLIENT_BODY_TIMEOUT',
    flag: '--client-body-timeout',
    defaultText: '60s',
    accepted: 'duration, 100ms-1h',
    description:
      'http: a client that sends no byte of its request body for this long is answered 408 (or cut, once the response began). ' +
      'Counts silence, not the whole upload: a slow upload that keeps sending is served.',
    parse: (raw) => parseDuration(raw, { min: 100, max: MAX_TIMEOUT_MS }),
    format: formatDuration,
  }),
  spec({
    key: 'clientSendTimeout',
    env: 'FULCRUM_CLIENT_SEND_TIMEOUT',
    flag: '--client-send-timeout',
    defaultText: '60s',
    accepted: 'duration, 100ms-1h',
    description:
      'http: a client that takes none of a response Fulcrum has for it for this long is cut (access log: client-send-timeout). ' +
      'Counts silence, not the whole download: a slow reader that keeps reading is served.',
    parse: (raw) => parseDuration(raw, { min: 100, max: MAX_TIMEOUT_MS }),
    format: formatDuration,
  }),
  spec({
    key: 'upstreamMaxSockets',
    env: 'FULCRUM_UPSTREAM_MAX_SOCKETS',
    flag: '--upstream-max-sockets',
    defaultText: '256',
    accepted: '1-65535',
    description: 'http: most connections each worker opens to one backend; further requests queue for a free one.',
    parse: (raw) => parseInteger(raw, 1, 65_535),
    format: String,
  }),
  spec({
    key: 'retries',
    env: 'FULCRUM_RETRIES',
    flag: '--retries',
    defaultText: '2',
    accepted: '0-10',
    description:
      'Further backends tried after a connect failure; in http mode also after a failure of an idempotent request that sent no body.',
    parse: (raw) => parseInteger(raw, 0, 10),
    format: String,
  }),
  spec({
    key: 'trustedProxies',
    env: 'FULCRUM_TRUSTED_PROXIES',
    flag: '--trusted-proxies',
    defaultText: '',
    accepted: 'comma-separated addresses or CIDR blocks, e.g. 10.0.0.0/8,::1',
    description: 'http: clients whose X-Forwarded-* and Forwarded headers are kept and appended to; from others they are replaced.',
    parse: parseCidrList,
    format: formatCidrList,
  }),
  spec({
    key: 'maxBody',
    env: 'FULCRUM_MAX_BODY',
    flag: '--max-body',
    defaultText: '1gb',
    accepted: 'size, 0-64gb (e.g. 10mb)',
    description: 'http: largest request body; a larger one is answered 413. Over 999999999 bytes, send it chunked.',
    parse: (raw) => parseByteSize(raw, 0, 64 * 1024 ** 3),
    format: formatByteSize,
  }),
  spec({
    key: 'maxUrlLength',
    env: 'FULCRUM_MAX_URL_LENGTH',
    flag: '--max-url-length',
    defaultText: '8kb',
    accepted: 'size, 256b-1mb',
    description: 'http: longest request target (path and query); a longer one is answered 414.',
    parse: (raw) => parseByteSize(raw, 256, 1024 ** 2),
    format: formatByteSize,
  }),
  spec({
    key: 'maxHeaderSize',
    env: 'FULCRUM_MAX_HEADER_SIZE',
    flag: '--max-header-size',
    defaultText: '32kb',
    accepted: 'size, 1kb-1mb',
    description: 'http: largest total of request header names and values; a larger one is answered 431.',
    parse: (raw) => parseByteSize(raw, 1024, 1024 ** 2),
    format: formatByteSize,
  }),
  spec({
    key: 'tlsCert',
    env: 'FULCRUM_TLS_CERT',
    flag: '--tls-cert',
    defaultText: '',
    accepted: 'path to a PEM certificate (chain)',
    description:
      "http: serve HTTPS with this certificate (with FULCRUM_TLS_KEY); more certificates by SNI go in the config file's tls.certificates.",
    parse: parseOptionalPath,
    format: (value) => value ?? '',
  }),
  spec({
    key: 'tlsKey',
    env: 'FULCRUM_TLS_KEY',
    flag: '--tls-key',
    defaultText: '',
    accepted: 'path to a PEM private key',
    description: 'http: private key of FULCRUM_TLS_CERT.',
    parse: parseOptionalPath,
    format: (value) => value ?? '',
  }),
  spec({
    key: 'httpsRedirectListen',
    env: 'FULCRUM_HTTPS_REDIRECT_LISTEN',
    flag: '--https-redirect-listen',
    defaultText: 'off',
    accepted: 'host:port | off',
    description: 'http with TLS: also listen here for plain HTTP and answer every request with a 308 redirect to HTTPS.',
    parse: parseOptionalHostPort,
    format: (value) => (value ? formatHostPort(value) : 'off'),
  }),
] as const satisfies readonly SettingSpec<keyof Settings>[];
