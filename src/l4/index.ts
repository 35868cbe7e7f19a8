// The L4 (TCP) engine's public face: start a native listener over a balancer pool.

export { type ConnectionEnding, connectionEndings, type TcpConnectionRecord } from './access-log.js';
export { type TcpProxyOptions, tcpProxyDefaults } from './options.js';
export { type DrainResult, startTcpProxy, type TcpProxy, type TcpProxyStats } from './tcp-proxy.js';
