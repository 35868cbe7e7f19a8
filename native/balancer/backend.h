// One configured backend: its fixed identity plus the atomics every thread reads and bumps.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "peak_ewma.h"

namespace fulcrum::balancer {

enum class BackendState : uint8_t { Up = 0, Down = 1, Draining = 2, Disabled = 3 };

enum class Outcome : uint8_t {
  Success = 0,
  ConnectFailure = 1,
  Timeout = 2,
  Reset = 3,
  ServerError = 4,
  ClientAborted = 5
};

inline constexpr uint8_t kBackendStateCount = 4;
inline constexpr uint8_t kOutcomeCount = 6;
inline constexpr uint32_t kMaxWeight = 256;  // HAProxy's ceiling; keeps ketama rings and WRR periods bounded

// address, id and socketAddress are written once by the control plane before the slot is published
// (BackendTable::append) and never change afterwards, so any thread reads them without a lock.
// The atomics are shared by all threads: data planes bump the counters, the control plane writes
// weights and state. A slot is reused only for the same address, so a late release is always safe.
struct Backend {
  std::string address;  // "host:port" as configured (host is a numeric IPv4/IPv6 literal; TS resolves names first)
  std::string id;       // opaque stable id (for sticky cookies): hash of the address, hex
  sockaddr_storage socketAddress{};  // parsed once at creation, ready for connect()
  socklen_t socketAddressLength = 0;
  std::atomic<uint32_t> weight{1};           // configured
  std::atomic<uint32_t> effectiveWeight{1};  // what pickers use (slow start lowers it)
  std::atomic<BackendState> state{BackendState::Up};
  std::atomic<int64_t> activeConnections{0};
  std::atomic<uint64_t> totalPicks{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<uint32_t> consecutiveFailures{0};  // reset by a Success outcome
  PeakEwma latency;  // data planes observe, least-latency and /stats read; reset when the backend goes down
  std::atomic<bool> inPool{false};  // false once hot reload removed it; its counters stay readable
};

// True for outcomes that count against the backend (a client hanging up is not the backend's fault).
constexpr bool IsFailure(Outcome outcome) { return outcome != Outcome::Success && outcome != Outcome::ClientAborted; }

}  // namespace fulcrum::balancer
