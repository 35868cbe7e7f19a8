// Decodes the TCP access log: the fixed-size records native/l4/access_log.h writes, one per closed connection.
import { ipv6Text } from '../ipv6-text.js';

/** How a connection ended; the order is native/l4/access_log.h's ConnectionEnding. */
export const connectionEndings = [
  'client-close',
  'backend-close',
  'reset',
  'idle-timeout',
  'connect-failure',
  'drain',
  // Refused right after accept (reset, no backend): an access rule, the connection-rate limit, maxConnectionsPerIp.
  'denied',
  'limited',
  'capped',
] as const;

export type ConnectionEnding = (typeof connectionEndings)[number];

export interface TcpConnectionRecord {
  /** The client as the proxy saw it, or as a trusted front reported it in a PROXY header. */
  client: string;
  /** The backend the connection went to, or was last tried on; null if none could be picked. */
  backend: string | null;
  bytesClientToBackend: number;
  bytesBackendToClient: number;
  /** From accept to close. */
  durationMs: number;
  /** The successful connect to the backend; null if no backend was reached. */
  connectMs: number | null;
  end: ConnectionEnding;
  /** The access rule that matched the client (allowed or denied it); absent when none did. */
  rule?: string;
  /** When the connection closed, ms since the epoch (the log line itself is written up to 250 ms later). */
  closedAt: number;
}

// Byte offsets of struct AccessRecord (little-endian, 80 bytes).
const recordBytes = 80;
const offsets = {
  closedAtMs: 0,
  bytesClientToBackend: 8,
  bytesBackendToClient: 16,
  durationUs: 24,
  connectTimeUs: 32,
  clientPort: 40,
  backendPort: 42,
  ending: 44,
  clientFamily: 45,
  backendFamily: 46,
  rule: 47,
  clientAddress: 48,
  backendAddress: 64,
} as const;

/** A record's address bytes as "a.b.c.d:port" or "[v6]:port"; null for family 0 (no address). */
export function formatAddress(view: DataView, family: number, offset: number, port: number): string | null {
  if (family === 4) {
    return `${view.getUint8(offset)}.${view.getUint8(offset + 1)}.${view.getUint8(offset + 2)}.${view.getUint8(offset + 3)}:${port}`;
  }
  if (family !== 6) return null;
  const groups: number[] = [];
  for (let group = 0; group < 8; group += 1) groups.push(view.getUint16(offset + group * 2, false));
  return `[${ipv6Text(groups)}]:${port}`;
}

export const microsToMs = (micros: number): number => Math.round(micros) / 1000;

/** `ruleNames`: the listener's access rules in order (a record stores 1 + the matched rule's index). */
export function decodeAccessRecords(buffer: ArrayBuffer, ruleNames: readonly string[] = []): TcpConnectionRecord[] {
  const view = new DataView(buffer);
  const records: TcpConnectionRecord[] = [];
  for (let base = 0; base + recordBytes <= buffer.byteLength; base += recordBytes) {
    const connectTimeUs = Number(view.getBigInt64(base + offsets.connectTimeUs, true));
    const rule = ruleNames[view.getUint8(base + offsets.rule) - 1];
    records.push({
      client:
        formatAddress(
          view,
          view.getUint8(base + offsets.clientFamily),
          base + offsets.clientAddress,
          view.getUint16(base + offsets.clientPort, true),
        ) ?? 'unknown',
      backend: formatAddress(
        view,
        view.getUint8(base + offsets.backendFamily),
        base + offsets.backendAddress,
        view.getUint16(base + offsets.backendPort, true),
      ),
      bytesClientToBackend: Number(view.getBigUint64(base + offsets.bytesClientToBackend, true)),
      bytesBackendToClient: Number(view.getBigUint64(base + offsets.bytesBackendToClient, true)),
      durationMs: microsToMs(Number(view.getBigUint64(base + offsets.durationUs, true))),
      connectMs: connectTimeUs < 0 ? null : microsToMs(connectTimeUs),
      end: connectionEndings[view.getUint8(base + offsets.ending)] ?? 'reset',
      closedAt: Number(view.getBigInt64(base + offsets.closedAtMs, true)),
      ...(rule === undefined ? {} : { rule }),
    });
  }
  return records;
}
