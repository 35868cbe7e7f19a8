// The L4 (TCP) engine's public face: start a native listener over a balancer pool.
export { startTcpProxy, type TcpProxy, type TcpProxyStats, type DrainResult } from './tcp-proxy.js';
export { tcpProxyDefaults, type TcpProxyOptions } from './options.js';
export { connectionEndings, type ConnectionEnding, type TcpConnectionRecord } from './access-log.js';
