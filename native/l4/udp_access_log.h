// The UDP flow log: one fixed-size record per closed flow, in a RecordRing per loop thread (that
// thread the only producer, the JS thread the only consumer), as the TCP access log does.
#pragma once

#include <cstdint>

#include "l4/access_log.h"
#include "l4/record_ring.h"

namespace fulcrum::l4 {

// Why a flow closed, in the order src/l4/udp-access-log.ts names them.
enum class UdpFlowEnding : uint8_t {
  Responses,    // the expected replies (responses per client datagram) came
  Idle,         // no datagram either way for idleTimeoutMs
  IcmpRefused,  // the backend's port was unreachable (ECONNREFUSED on the flow's socket)
  IcmpError,    // another ICMP error on the flow's socket (host or network unreachable, ...)
  Drain,        // still open at the drain deadline (or when the listener was freed)
  SocketError,  // the flow's socket could not be watched (epoll_ctl failed)
};

// The bytes src/l4/udp-access-log.ts decodes (little-endian, checked in access_log.h); any change
// here must change the offsets there. Addresses are raw network-order bytes, family 4 or 6 (0: none).
// "backend to client" counts what was read from the backend; a reply the client's socket would not
// take is also counted in the listener's sendErrors.
struct UdpFlowRecord {
  int64_t closedAtMs;  // wall clock (CLOCK_REALTIME), ms since the epoch
  uint64_t datagramsClientToBackend;
  uint64_t bytesClientToBackend;
  uint64_t datagramsBackendToClient;
  uint64_t bytesBackendToClient;
  uint64_t durationUs;   // from the flow's first datagram to its close
  int32_t backendIndex;  // the pool's index of the flow's backend
  uint16_t clientPort;
  uint16_t backendPort;
  uint8_t ending;  // a UdpFlowEnding
  uint8_t clientFamily;
  uint8_t backendFamily;
  uint8_t reserved;
  uint8_t clientAddress[16];
  uint8_t backendAddress[16];
  uint32_t padding;  // named, so the record's bytes are all written (zeroed) rather than left to the compiler
};
static_assert(sizeof(UdpFlowRecord) == 96, "src/l4/udp-access-log.ts decodes 96-byte records");

using UdpAccessLogRing = RecordRing<UdpFlowRecord>;

}  // namespace fulcrum::l4
