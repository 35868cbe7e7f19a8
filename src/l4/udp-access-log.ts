// Decodes the UDP flow log: the fixed-size records native/l4/udp_access_log.h writes, one per closed flow.
import { formatAddress, microsToMs } from './access-log.js';

/** Why a flow closed; the order is native/l4/udp_access_log.h's UdpFlowEnding. */
export const udpFlowEndings = ['responses', 'idle', 'icmp-refused', 'icmp-error', 'drain', 'socket-error'] as const;

export type UdpFlowEnding = (typeof udpFlowEndings)[number];

export interface UdpFlowRecord {
  /** The client's address and port, as the listener socket received its datagrams. */
  client: string;
  /** The backend the flow went to. */
  backend: string;
  /** The backend's index in the pool. */
  backendIndex: number;
  datagramsClientToBackend: number;
  bytesClientToBackend: number;
  /** Read from the backend; a reply the client's socket would not take is also counted in sendErrors. */
  datagramsBackendToClient: number;
  bytesBackendToClient: number;
  /** From the flow's first datagram to its close. */
  durationMs: number;
  end: UdpFlowEnding;
  /** When the flow closed, ms since the epoch (the log line itself is written up to 250 ms later). */
  closedAt: number;
}

// Byte offsets of struct UdpFlowRecord (little-endian, 96 bytes).
const recordBytes = 96;
const offsets = {
  closedAtMs: 0,
  datagramsClientToBackend: 8,
  bytesClientToBackend: 16,
  datagramsBackendToClient: 24,
  bytesBackendToClient: 32,
  durationUs: 40,
  backendIndex: 48,
  clientPort: 52,
  backendPort: 54,
  ending: 56,
  clientFamily: 57,
  backendFamily: 58,
  clientAddress: 60,
  backendAddress: 76,
} as const;

export function decodeUdpFlowRecords(buffer: ArrayBuffer): UdpFlowRecord[] {
  const view = new DataView(buffer);
  const records: UdpFlowRecord[] = [];
  const u64 = (offset: number): number => Number(view.getBigUint64(offset, true));
  for (let base = 0; base + recordBytes <= buffer.byteLength; base += recordBytes) {
    const address = (family: number, at: number, port: number): string =>
      formatAddress(view, view.getUint8(base + family), base + at, view.getUint16(base + port, true)) ?? 'unknown';
    records.push({
      client: address(offsets.clientFamily, offsets.clientAddress, offsets.clientPort),
      backend: address(offsets.backendFamily, offsets.backendAddress, offsets.backendPort),
      backendIndex: view.getInt32(base + offsets.backendIndex, true),
      datagramsClientToBackend: u64(base + offsets.datagramsClientToBackend),
      bytesClientToBackend: u64(base + offsets.bytesClientToBackend),
      datagramsBackendToClient: u64(base + offsets.datagramsBackendToClient),
      bytesBackendToClient: u64(base + offsets.bytesBackendToClient),
      durationMs: microsToMs(u64(base + offsets.durationUs)),
      end: udpFlowEndings[view.getUint8(base + offsets.ending)] ?? 'drain',
      closedAt: Number(view.getBigInt64(base + offsets.closedAtMs, true)),
    });
  }
  return records;
}
