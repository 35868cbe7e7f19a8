// udp mode's active checks: one datagram to the backend from a fresh socket, and a reply within the
// check's deadline. `udp`: any reply is up. `dns`: a standard query for the name's A record, up when the
// reply answers that query (same id, a response) with RCODE NOERROR. An ICMP port unreachable arrives as
// ECONNREFUSED on the connected socket: down at once, not at the timeout.
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { DatagramCheckConfig } from '../config/types.js';
import type { Abort, CheckTarget, Done } from './active-check.js';

const DNS_HEADER_BYTES = 12;
const DNS_TYPE_A = 1;
const DNS_CLASS_IN = 1;
const DNS_RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

/** A recursion-desired query for `name`'s A record (RFC 1035 §4.1). */
export function dnsQuery(id: number, name: string): Buffer {
  const labels = name.split('.').filter((label) => label !== '');
  const question = Buffer.concat([
    ...labels.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')])),
    Buffer.from([0, 0, DNS_TYPE_A, 0, DNS_CLASS_IN]),
  ]);
  const header = Buffer.alloc(DNS_HEADER_BYTES);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4); // QDCOUNT
  return Buffer.concat([header, question]);
}

/** The verdict on a DNS reply to query `id`. */
export function judgeDnsReply(id: number, reply: Buffer): [ok: boolean, detail: string] {
  if (reply.length < DNS_HEADER_BYTES) return [false, `malformed dns reply: ${reply.length} bytes`];
  if (reply.readUInt16BE(0) !== id) return [false, 'dns reply to another query (id mismatch)'];
  const flags = reply.readUInt16BE(2);
  if ((flags & 0x8000) === 0) return [false, 'malformed dns reply: not a response'];
  const rcode = flags & 0x000f;
  const answers = reply.readUInt16BE(6);
  const name = DNS_RCODE_NAMES[rcode] ?? `rcode ${rcode}`;
  return [rcode === 0, rcode === 0 ? `dns NOERROR, ${answers} answer${answers === 1 ? '' : 's'}` : `dns ${name}`];
}

export function datagramCheck(target: CheckTarget, check: DatagramCheckConfig, done: Done): Abort {
  const socket = createSocket(isIPv6(target.host) ? 'udp6' : 'udp4');
  let open = true;
  const close = () => {
    if (open) socket.close();
    open = false;
  };
  const finish: Done = (ok, detail) => {
    done(ok, detail);
    close();
  };
  const id = randomInt(0, 0x10000);
  const payload = check.dnsName === null ? Buffer.from(check.payload) : dnsQuery(id, check.dnsName);
  socket.on('error', (error: NodeJS.ErrnoException) => finish(false, error.code ?? error.message));
  socket.on('message', (reply: Buffer) => {
    if (check.dnsName === null) finish(true, `reply of ${reply.length} bytes`);
    else finish(...judgeDnsReply(id, reply));
  });
  // Connected, so an ICMP port unreachable comes back as ECONNREFUSED, and datagrams from elsewhere are dropped.
  socket.connect(target.port, target.host, () => socket.send(payload));
  return close;
}
