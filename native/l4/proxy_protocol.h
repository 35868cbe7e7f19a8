// PROXY protocol v1/v2 (haproxy.org/download/2.9/doc/proxy-protocol.txt): the header Fulcrum sends
// to backends, and the parser for headers a trusted front sends to Fulcrum. Pure functions; any thread.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "l4/options.h"

namespace fulcrum::l4 {

// The header that tells a backend who the client is (source) and what it connected to (destination).
std::string BuildProxyHeader(ProxyProtocolVersion version, const sockaddr_storage& source,
                             const sockaddr_storage& destination);

enum class ProxyHeaderStatus : uint8_t { Incomplete, Complete, Invalid };

struct ProxyHeaderParse {
  ProxyHeaderStatus status = ProxyHeaderStatus::Incomplete;
  size_t length = 0;          // bytes the header occupies, when Complete
  bool hasAddresses = false;  // false for v1 UNKNOWN and v2 LOCAL: keep the socket's own addresses
  sockaddr_storage source{};
  sockaddr_storage destination{};
};

// The longest header the format allows: v2's 16 fixed bytes plus a 16-bit payload length (addresses
// and TLVs). v1 is at most 107 bytes. HAProxy accepts about 2 KB and NGINX 4 KB; fronts that add TLVs
// (AWS NLB, GCP, Azure, custom) need room, so nothing the format can express is refused for its size.
constexpr size_t kMaxProxyHeaderLength = 16 + 65535;

// Parses the start of a stream (peeked, not consumed) as a v1 or v2 header.
ProxyHeaderParse ParseProxyHeader(const uint8_t* data, size_t length);

}  // namespace fulcrum::l4
