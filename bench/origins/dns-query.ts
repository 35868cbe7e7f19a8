// One DNS A query over UDP, built and read by hand: enough to see that a resolver (or a proxy before it) answers.
import { createSocket } from 'node:dgram';

export interface DnsAnswer {
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED, or RCODE<n>. */
  status: string;
  /** The A records of the answer section, dotted. */
  addresses: string[];
}

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
const TYPE_A = 1;
const CLASS_IN = 1;
const HEADER_BYTES = 12;

export function dnsQuery(id: number, name: string): Buffer {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')]));
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // a standard query, recursion desired (dig's default)
  header.writeUInt16BE(1, 4);
  const question = Buffer.alloc(4);
  question.writeUInt16BE(TYPE_A, 0);
  question.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([header, ...labels, Buffer.from([0]), question]);
}

/** Offset just past a (possibly compressed) name starting at `offset`. */
function skipName(message: Buffer, offset: number): number {
  let at = offset;
  for (;;) {
    const length = message.readUInt8(at);
    if (length === 0) return at + 1;
    if ((length & 0xc0) === 0xc0) return at + 2;
    at += 1 + length;
  }
}

/** The status and A records of a reply to query `id`; throws on a reply to another query or a truncated one. */
export function readDnsAnswer(message: Buffer, id: number): DnsAnswer {
  if (message.length < HEADER_BYTES || message.readUInt16BE(0) !== id) throw new Error('a DNS reply to another query');
  const rcode = message.readUInt16BE(2) & 0x0f;
  const questions = message.readUInt16BE(4);
  const answers = message.readUInt16BE(6);
  let at = HEADER_BYTES;
  for (let index = 0; index < questions; index++) at = skipName(message, at) + 4;
  const addresses: string[] = [];
  for (let index = 0; index < answers; index++) {
    at = skipName(message, at);
    const type = message.readUInt16BE(at);
    const length = message.readUInt16BE(at + 8);
    if (type === TYPE_A && length === 4) addresses.push([...message.subarray(at + 10, at + 14)].join('.'));
    at += 10 + length;
  }
  return { status: RCODES[rcode] ?? `RCODE${rcode}`, addresses };
}

/** Asks 127.0.0.1:port for `name`'s A records over UDP; rejects after `timeoutMs` without a reply. */
export function queryOverUdp(port: number, name: string, timeoutMs = 1_000): Promise<DnsAnswer> {
  const id = Math.floor(Math.random() * 0xffff);
  const socket = createSocket('udp4');
  return new Promise<DnsAnswer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no DNS reply from 127.0.0.1:${port} for ${name} in ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('message', (message) => {
      try {
        const answer = readDnsAnswer(message, id);
        clearTimeout(timer);
        resolve(answer);
      } catch {
        // A late reply to an earlier query: keep waiting for ours.
      }
    });
    socket.send(dnsQuery(id, name), port, '127.0.0.1');
  }).finally(() => socket.close());
}
