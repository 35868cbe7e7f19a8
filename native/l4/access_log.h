// The TCP access log: one fixed-size record per closed connection, in a RecordRing per loop thread.
#pragma once

#include <sys/socket.h>

#include <cstdint>

#include "l4/record_ring.h"

namespace fulcrum::l4 {

// How a connection ended, in the order src/l4/access-log.ts names them.
enum class ConnectionEnding : uint8_t {
  ClientClose,     // both sides finished cleanly; the client's FIN came first
  BackendClose,    // both sides finished cleanly; the backend's FIN came first
  Reset,           // an error or reset on either side, or a missing or malformed PROXY header
  IdleTimeout,     // no byte moved for idleTimeoutMs
  ConnectFailure,  // no backend was reached: every attempt failed or timed out, or none was available
  Drain,           // still open at the drain deadline
  Denied,          // refused at accept by an access rule (the record's `rule` names it)
  Limited,         // refused at accept by the connection-rate limit per client IP
  Capped,          // refused at accept: the client IP had maxConnectionsPerIp connections open
};

// The bytes src/l4/access-log.ts decodes (little-endian, which static_assert checks below); any change
// here must change the offsets there. Addresses are raw network-order bytes, family 4 or 6 (0: none).
struct AccessRecord {
  int64_t closedAtMs;  // wall clock (CLOCK_REALTIME), ms since the epoch
  uint64_t bytesClientToBackend;
  uint64_t bytesBackendToClient;
  uint64_t durationUs;    // from accept to close
  int64_t connectTimeUs;  // the successful connect's duration; -1 if no backend was reached
  uint16_t clientPort;
  uint16_t backendPort;
  uint8_t ending;  // a ConnectionEnding
  uint8_t clientFamily;
  uint8_t backendFamily;
  uint8_t rule;  // 1 + the index of the access rule that matched (allowed or denied); 0: none
  uint8_t clientAddress[16];
  uint8_t backendAddress[16];
};
static_assert(sizeof(AccessRecord) == 80, "src/l4/access-log.ts decodes 80-byte records");
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "src/l4/access-log.ts decodes little-endian records");

// Stores an IPv4 or IPv6 socket address as a record's family, port (host order) and address bytes.
void StoreAddress(const sockaddr_storage& address, uint8_t& family, uint16_t& port, uint8_t (&bytes)[16]);

using AccessLogRing = RecordRing<AccessRecord>;

}  // namespace fulcrum::l4
