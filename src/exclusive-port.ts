// Refuses to start on an address another process already listens on (TCP, or UDP in udp mode): SO_REUSEPORT (which both the L4
// listeners and uWS set) would otherwise let two Fulcrums start and silently split the port's traffic.
// Checked before the first data plane listens, and at a reload for the addresses it moves to; the
// addresses this process already listens on are its own. FULCRUM_REUSE_PORT=true shares on purpose.

import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP, isIPv6 } from 'node:net';
import { constants } from 'node:os';
import { formatHostPort } from './config/parsers.js';
import type { FulcrumConfig, HostPort } from './config/types.js';
import { FulcrumError } from './errors.js';
import { native } from './native/load.js';

interface ProxyAddress extends HostPort {
  udp: boolean;
}

/** The proxy's own listen addresses (the admin API binds without SO_REUSEPORT and fails on its own). */
function proxyAddresses(config: FulcrumConfig): ProxyAddress[] {
  const tcp = (address: HostPort): ProxyAddress => ({ ...address, udp: false });
  const redirect = config.mode === 'http' && config.tlsCert ? config.httpsRedirectListen : null;
  return [
    { ...config.listen, udp: config.mode === 'udp' },
    ...config.listeners.map((listener) => tcp(listener.address)),
    ...config.l4Listeners.map((listener) => ({ ...listener.address, udp: listener.transport === 'udp' })),
    ...(redirect ? [tcp(redirect)] : []),
  ];
}

/** One spelling per address and transport, to tell this process's own listeners apart. */
function addressKey(address: ProxyAddress): string {
  return `${formatHostPort(address)}/${address.udp ? 'udp' : 'tcp'}`;
}

/** A UDP port is taken when a plain bind (without SO_REUSEPORT) fails with EADDRINUSE; the probe socket closes at once. */
function udpPortTaken(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createSocket({ type: isIPv6(ip) ? 'udp6' : 'udp4', reuseAddr: false });
    probe.once('error', (error: NodeJS.ErrnoException) => {
      probe.close();
      resolve(error.code === 'EADDRINUSE');
    });
    probe.bind(port, ip, () => {
      probe.close();
      resolve(false);
    });
  });
}

/** @param ours the config this process already listens by (at a reload), whose addresses are skipped. */
export async function refuseAddressesInUse(config: FulcrumConfig, ours: FulcrumConfig | null = null): Promise<void> {
  if (config.reusePort) return;
  const listening = ours ? proxyAddresses(ours).map(addressKey) : [];
  for (const address of proxyAddresses(config)) {
    if (listening.includes(addressKey(address))) continue;
    // A host name is resolved the way the listener will resolve it: its first address. One that does
    // not resolve is left to the listener, whose error says so.
    const ip = isIP(address.host)
      ? address.host
      : await lookup(address.host).then(
          (found) => found.address,
          () => null,
        );
    if (ip === null) continue;
    const taken = address.udp
      ? await udpPortTaken(ip, address.port)
      : native.l4.probeListeningElsewhere(ip, address.port) === constants.errno.EADDRINUSE;
    if (!taken) continue;
    throw new FulcrumError(
      'FULCRUM_ERR_PORT_IN_USE',
      `another process already listens on ${addressKey(address)}; two proxies sharing a port with SO_REUSEPORT would ` +
        'silently split its traffic. Stop the other process or choose a free FULCRUM_LISTEN, or set FULCRUM_REUSE_PORT=true ' +
        'to share the port on purpose (e.g. a binary upgrade without downtime: start the new Fulcrum, then SIGTERM the old).',
    );
  }
}
