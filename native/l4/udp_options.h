// What one UDP listener is told by TypeScript; plain data, read by every loop thread of the listener.
#pragma once

#include <cstdint>
#include <string>

namespace fulcrum::l4 {

// Every number is set from JS (udp_binding.cc refuses a missing one); the defaults live in the
// settings schema on the TypeScript side, not here.
struct UdpListenerOptions {
  std::string host;
  uint16_t port = 0;
  std::string poolName;
  uint32_t workers = 0;
  uint32_t idleTimeoutMs = 0;  // a flow with no datagram either way for this long closes
  uint32_t maxFlows = 0;       // open flows across all loop threads; 0: derived from RLIMIT_NOFILE
  uint32_t responses = 0;      // replies per client datagram after which a flow closes; 0: idle timeout only
  bool perPacket = false;      // balance every client datagram on its own (the flow key includes the backend)
  bool accessLog = false;      // keep a record of every closed flow for the JS side
};

}  // namespace fulcrum::l4
