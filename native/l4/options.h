// What one TCP listener is told by TypeScript; plain data, copied into each event-loop thread at start.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fulcrum::l4 {

enum class ProxyProtocolVersion : uint8_t { None = 0, V1 = 1, V2 = 2 };

// One CIDR block of a tcp-mode access rule (config file `access:`); a rule with several blocks is several
// entries with the same `rule`, kept in the config's order so that the first match decides.
struct AddressRule {
  uint8_t family = 0;  // 4 or 6; 0: every client (a rule without cidr)
  uint8_t prefixLength = 0;
  uint8_t bytes[16] = {};  // network order; the bits past prefixLength are ignored
  bool allow = false;
  uint16_t rule = 0;  // the rule's index in the config: its counters and its name on the JS side
};

// Connection-level controls (connection_gate.h); all off when empty and zero.
struct ConnectionGateOptions {
  std::vector<AddressRule> addressRules;
  uint32_t ruleCount = 0;            // rules in the config (entries above point into 0..ruleCount-1)
  double connectionRate = 0;         // new connections per second per client IP; 0: no limit
  double connectionBurst = 0;        // connections a new or rested client may open at once
  uint32_t maxConnectionsPerIp = 0;  // concurrent connections per client IP; 0: no cap
};

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
  ConnectionGateOptions gate;
};

}  // namespace fulcrum::l4
