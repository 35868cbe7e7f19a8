// What the http mode's listener serves, in words: for --check-config and the start-up log line, so that a
// user on the uWS front learns which setting serves HTTP/1.0 and HTTP/2 clients.
import { formatHostPort } from './parsers.js';
import type { FulcrumConfig } from './types.js';

export function servedProtocols(config: Pick<FulcrumConfig, 'mode' | 'protocols'>, tls: boolean): string {
  if (config.mode !== 'http') return config.mode;
  if (config.protocols === 'all') {
    return tls
      ? 'h2 and http/1.1 by ALPN, HTTP/1.0 (node:http/node:http2 front)'
      : 'HTTP/1.0, HTTP/1.1 with pipelining, h2c by prior knowledge (node:http/node:http2 front)';
  }
  return `${tls ? 'HTTPS ' : ''}HTTP/1.1 only (uWS front); FULCRUM_PROTOCOLS=all also serves HTTP/1.0, pipelining and HTTP/2`;
}

/** Every listener of the proxy with what it serves: FULCRUM_LISTEN first, then the file's `listeners`. */
export function listenerLines(config: FulcrumConfig): string[] {
  const main = `${formatHostPort(config.listen)}: ${servedProtocols(config, config.tlsCert !== null)}`;
  if (config.mode !== 'http')
    return [main, ...config.l4Listeners.map((listener) => `${formatHostPort(listener.address)}: ${listener.transport}`)];
  return [
    main,
    ...config.listeners.map(
      (listener) =>
        `${formatHostPort(listener.address)}: ${servedProtocols({ mode: config.mode, protocols: listener.protocols }, listener.tls)}`,
    ),
  ];
}
