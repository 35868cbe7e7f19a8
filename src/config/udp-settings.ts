// The UDP (udp mode) engine's rows of the settings schema: flow idle timeout, replies per flow, the flow
// cap, and per-datagram balancing. FULCRUM_WORKERS sets its threads, as in tcp mode.
import { formatDuration, parseBoolean, parseDuration, parseInteger } from './parsers.js';
import { spec } from './setting-spec.js';

export interface UdpSettings {
  udpIdleTimeout: number;
  /** Replies after which a flow ends; 0 = only the idle timeout ends it. */
  udpResponses: number;
  udpMaxFlows: number;
  udpPerPacket: boolean;
}

export const UDP_SETTINGS = [
  spec({
    key: 'udpIdleTimeout',
    env: 'FULCRUM_UDP_IDLE_TIMEOUT',
    flag: '--udp-idle-timeout',
    defaultText: '30s',
    accepted: 'duration, 100ms-24h',
    description:
      'udp: a flow (one client address and its backend) ends after this long with no datagram either way. ' +
      'NGINX defaults to 10m, Envoy to 60s; game and VoIP sessions want minutes, DNS seconds.',
    parse: (raw) => parseDuration(raw, { min: 100, max: 86_400_000 }),
    format: formatDuration,
  }),
  spec({
    key: 'udpResponses',
    env: 'FULCRUM_UDP_RESPONSES',
    flag: '--udp-responses',
    defaultText: '0',
    accepted: '0-1000000 (0 = until idle)',
    description:
      "udp: a flow ends once the backend sent this many datagrams back (NGINX's proxy_responses); 1 suits DNS, " +
      'and a flow that expected replies and got none counts as a backend failure.',
    parse: (raw) => parseInteger(raw, 0, 1_000_000),
    format: String,
  }),
  spec({
    key: 'udpMaxFlows',
    env: 'FULCRUM_UDP_MAX_FLOWS',
    flag: '--udp-max-flows',
    defaultText: '100000',
    accepted: '1-10000000',
    description:
      'udp: open flows across all threads (each holds a socket); a new client over the cap is dropped and counted ' +
      '(flowsRefused), never queued.',
    parse: (raw) => parseInteger(raw, 1, 10_000_000),
    format: String,
  }),
  spec({
    key: 'udpPerPacket',
    env: 'FULCRUM_UDP_PER_PACKET',
    flag: '--udp-per-packet',
    defaultText: 'false',
    accepted: 'true | false',
    description:
      "udp: balance every datagram on its own rather than each client (Envoy's use_per_packet_load_balancing), " +
      'for stateless protocols such as DNS or syslog at scale.',
    parse: parseBoolean,
    format: String,
  }),
];
