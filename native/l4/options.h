// What one TCP listener is told by TypeScript; plain data, copied into each event-loop thread at start.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace fulcrum::l4 {

enum class ProxyProtocolVersion : uint8_t { None = 0, V1 = 1, V2 = 2 };

// Every field is set from JS (l4_binding.cc refuses a missing one); the defaults live in the settings
// schema, src/config/settings.ts, and src/l4/options.ts, not here. Zeros only keep the struct initialised.
struct ListenerOptions {
  std::string host;
  uint16_t port = 0;
  std::string poolName;
  uint32_t workers = 0;
  uint32_t connectTimeoutMs = 0;  // also the time a trusted front has to send its PROXY header
  uint32_t idleTimeoutMs = 0;
  uint32_t retries = 0;
  uint32_t maxConnections = 0;  // 0: derived from RLIMIT_NOFILE at start
  uint32_t pipeSize = 0;        // 0: the kernel default (64 KiB); otherwise F_SETPIPE_SZ
  uint32_t maxPipes = 0;        // 0: derived from maxConnections at start; pipes across all threads
  int backlog = 0;
  ProxyProtocolVersion sendProxyProtocol = ProxyProtocolVersion::None;
  bool acceptProxyProtocol = false;
  bool accessLog = false;  // keep a record of every closed connection for the JS side
};

}  // namespace fulcrum::l4
