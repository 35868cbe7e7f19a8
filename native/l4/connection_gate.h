// tcp mode's connection-level controls, decided once per connection right after accept (or after a trusted
// front's PROXY header): address rules (CIDR allow/deny, first match decides), a connection-rate limit per
// client IP (a token bucket in the process-wide native/limits table) and a cap on concurrent connections per
// client IP (the process-wide concurrency table). Both tables are shared by every loop thread of every
// listener of the process, and by a listener that replaced this one on reload, so they are exact.
// The rules are plain data fixed at construction (JS thread) and only read afterwards; Admit and Leave run on
// the loop threads; the counters are relaxed atomics that the JS thread reads for /stats.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "l4/options.h"
#include "limits/concurrency_counts.h"
#include "limits/token_buckets.h"

namespace fulcrum::l4 {

// Also the access log's ConnectionEnding for a refused connection (Denied, Limited, Capped there).
enum class GateVerdict : uint8_t { Admitted, Denied, Limited, Capped };

struct GateDecision {
  GateVerdict verdict = GateVerdict::Admitted;
  int32_t rule = -1;         // the address rule that matched (allowed or denied), -1 when none did
  bool holdsIpSlot = false;  // admitted under maxConnectionsPerIp: Leave must be called at close
};

// A client address as the rules and tables see it: IPv4 (also when it came as ::ffff:a.b.c.d) or IPv6.
struct ClientIp {
  uint8_t family = 0;  // 4 or 6; 0: neither (never matched by a CIDR, keyed as is)
  uint8_t bytes[16] = {};
  std::string_view key() const {
    return {reinterpret_cast<const char*>(bytes), family == 6 ? sizeof bytes : size_t{4}};
  }
};

ClientIp ClientIpOf(const sockaddr_storage& address);

// True when the first prefixLength bits of the address equal the rule's (family 0: every address).
bool AddressRuleMatches(const AddressRule& rule, const ClientIp& ip);

class ConnectionGate {
 public:
  explicit ConnectionGate(const ConnectionGateOptions& options);  // JS thread: opens the shared tables it needs

  bool enabled() const { return enabled_; }
  // Loop threads. Nothing here allocates for an IPv4 client (an IPv6 key is 16 bytes, past std::string's
  // inline buffer, when the tables look it up).
  GateDecision Admit(const sockaddr_storage& client, int64_t nowUs);
  void Leave(const sockaddr_storage& client);

  uint32_t ruleCount() const { return ruleCount_; }
  uint64_t allowedBy(uint32_t rule) const { return allowedByRule_[rule].load(std::memory_order_relaxed); }
  uint64_t deniedBy(uint32_t rule) const { return deniedByRule_[rule].load(std::memory_order_relaxed); }
  uint64_t limited() const { return limited_.load(std::memory_order_relaxed); }
  uint64_t capped() const { return capped_.load(std::memory_order_relaxed); }

  // The process-wide tables' names and sizes (native/limits). Per-IP counts exist only while a client has a
  // connection open (~160 bytes each); beyond kPerIpKeys distinct clients with connections open, a new
  // client is refused as over the cap. Buckets beyond kRateKeys forget the least recently used client.
  static constexpr const char* kRateTable = "fulcrum.tcp.connection-rate";
  static constexpr size_t kRateKeys = 100'000;
  static constexpr const char* kPerIpTable = "fulcrum.tcp.connections-per-ip";
  static constexpr size_t kPerIpKeys = 1'000'000;

 private:
  const std::vector<AddressRule> rules_;
  const uint32_t ruleCount_;
  const double rate_;
  const double burst_;
  const uint32_t maxPerIp_;
  const bool enabled_;
  std::shared_ptr<limits::TokenBuckets> buckets_;     // null without a rate limit
  std::shared_ptr<limits::ConcurrencyCounts> perIp_;  // null without maxConnectionsPerIp
  std::unique_ptr<std::atomic<uint64_t>[]> allowedByRule_;
  std::unique_ptr<std::atomic<uint64_t>[]> deniedByRule_;
  std::atomic<uint64_t> limited_{0};
  std::atomic<uint64_t> capped_{0};
};

}  // namespace fulcrum::l4
