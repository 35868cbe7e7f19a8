// The L4 (tcp mode) engine's rows of the settings schema: connection limits, splice pipes, PROXY protocol.
// FULCRUM_CONNECT_TIMEOUT and FULCRUM_RETRIES are shared with http mode (l7-settings.ts).
import { formatByteSize, parseByteSize } from './byte-size.js';
import { formatDuration, parseBoolean, parseDuration, parseInteger, parseOneOf } from './parsers.js';
import { spec } from './setting-spec.js';

export interface L4Settings {
  tcpIdleTimeout: number;
  /** 0 = derived from the descriptor limit. */
  maxConnections: number;
  /** Bytes per splice pipe; 0 = the kernel's default. */
  pipeSize: number;
  proxyProtocol: 'off' | 'v1' | 'v2';
  acceptProxyProtocol: boolean;
}

export const L4_SETTINGS = [
  spec({
    key: 'tcpIdleTimeout',
    env: 'FULCRUM_TCP_IDLE_TIMEOUT',
    flag: '--tcp-idle-timeout',
    defaultText: '10m',
    accepted: 'duration, 1s-24h',
    description: 'tcp: close a connection after this long with no byte moving either way.',
    parse: (raw) => parseDuration(raw, { min: 1_000, max: 86_400_000 }),
    format: formatDuration,
  }),
  spec({
    key: 'maxConnections',
    env: 'FULCRUM_MAX_CONNECTIONS',
    flag: '--max-connections',
    defaultText: '0',
    accepted: '0-10000000 (0 = from the descriptor limit)',
    description: 'tcp: open connections across all threads; over it, new ones wait in the kernel backlog (none are dropped).',
    parse: (raw) => parseInteger(raw, 0, 10_000_000),
    format: String,
  }),
  spec({
    key: 'pipeSize',
    env: 'FULCRUM_PIPE_SIZE',
    flag: '--pipe-size',
    defaultText: '0',
    accepted: 'a size such as 256kb or 1mb, up to 64mb (0 = kernel default, 64 KiB)',
    description: 'tcp: size of each splice() pipe (F_SETPIPE_SZ).',
    parse: (raw) => (raw.trim() === '0' ? 0 : parseByteSize(raw, 4096, 64 * 1024 * 1024)),
    format: (value) => (value === 0 ? '0' : formatByteSize(value)),
  }),
  spec({
    key: 'proxyProtocol',
    env: 'FULCRUM_PROXY_PROTOCOL',
    flag: '--proxy-protocol',
    defaultText: 'off',
    accepted: 'off | v1 | v2',
    description: 'tcp: send a PROXY protocol header with the client address to each backend.',
    parse: (raw) => parseOneOf(raw, ['off', 'v1', 'v2'] as const),
    format: (value) => value,
  }),
  spec({
    key: 'acceptProxyProtocol',
    env: 'FULCRUM_ACCEPT_PROXY_PROTOCOL',
    flag: '--accept-proxy-protocol',
    defaultText: 'false',
    accepted: 'true | false',
    description: 'tcp: expect a PROXY protocol v1/v2 header on every connection (only behind a trusted front).',
    parse: parseBoolean,
    format: String,
  }),
] as const;
