// The L4 engines' public face: start a native TCP or UDP listener over a balancer pool.

export { type ConnectionEnding, connectionEndings, type TcpConnectionRecord } from './access-log.js';
export { type TcpProxyOptions, tcpProxyDefaults } from './options.js';
export { type ConnectionVerdicts, type DrainResult, startTcpProxy, type TcpProxy, type TcpProxyStats } from './tcp-proxy.js';
export { decodeUdpFlowRecords, type UdpFlowEnding, type UdpFlowRecord, udpFlowEndings } from './udp-access-log.js';
export { startUdpProxy, type UdpProxy, type UdpProxyOptions, type UdpProxyStats } from './udp-proxy.js';
