// Stats counters written by the event-loop threads and read by the JS thread at any time (relaxed atomics).
#pragma once

#include <atomic>
#include <cstdint>

namespace fulcrum::l4 {

// One per backend index of the listener's pool. Aligned to a cache line because different loop
// threads bump different backends' counters on every splice; sharing a line would serialise them.
struct alignas(64) BackendCounters {
  std::atomic<int64_t> activeConnections{0};
  std::atomic<uint64_t> connectionsTotal{0};
  std::atomic<uint64_t> bytesClientToBackend{0};
  std::atomic<uint64_t> bytesBackendToClient{0};
  std::atomic<uint64_t> connectFailures{0};
  std::atomic<uint64_t> connectTimeouts{0};
  std::atomic<uint64_t> connectTimeSumUs{0};
  std::atomic<uint64_t> connectTimeCount{0};
  std::atomic<uint64_t> connectTimeMaxUs{0};
  std::atomic<uint64_t> backendResets{0};
};

// One per listener, shared by all of its loop threads.
struct alignas(64) ListenerCounters {
  std::atomic<uint64_t> accepted{0};
  std::atomic<int64_t> activeConnections{0};
  std::atomic<uint64_t> acceptErrors{0};  // EMFILE, ENFILE, ENOBUFS, ENOMEM on accept
  std::atomic<uint64_t> acceptPausesForLimit{0};
  std::atomic<uint64_t> noBackendAvailable{0};     // every attempt failed or the pool had nothing to give
  std::atomic<uint64_t> socketErrors{0};           // socket() for a backend failed even with the reserve; client reset
  std::atomic<uint64_t> descriptorReserveUses{0};  // a loop gave up its spare descriptor for a backend socket
  std::atomic<uint64_t> clientResets{0};
  std::atomic<uint64_t> idleTimeouts{0};
  std::atomic<uint64_t> proxyHeaderErrors{0};
  std::atomic<uint64_t> drainForcedCloses{0};
  std::atomic<uint64_t> pipesCreated{0};
  std::atomic<int64_t> pipesInUse{0};
  std::atomic<uint64_t> copyFallbacks{0};  // a stream that had to keep copying for lack of a pipe
};

inline void RaiseMax(std::atomic<uint64_t>& maximum, uint64_t value) {
  uint64_t current = maximum.load(std::memory_order_relaxed);
  while (value > current && !maximum.compare_exchange_weak(current, value, std::memory_order_relaxed)) {
  }
}

}  // namespace fulcrum::l4
