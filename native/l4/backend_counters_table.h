// Per-backend L4 counters indexed like the pool's backends. The pool may grow while the listener runs
// (hot reload appends backends), so counters live in blocks allocated on first use by any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "l4/counters.h"

namespace fulcrum::l4 {

class BackendCountersTable {
 public:
  static constexpr int32_t kBlockSize = 64;
  static constexpr int32_t kBlockCount = 1024;  // the balancer table's own capacity

  BackendCountersTable() = default;
  BackendCountersTable(const BackendCountersTable&) = delete;
  BackendCountersTable& operator=(const BackendCountersTable&) = delete;
  ~BackendCountersTable() {
    for (auto& block : blocks_) delete[] block.load();
  }

  // Loop threads: the counters of a backend index the pool handed out (allocating its block once).
  BackendCounters& at(int32_t index) {
    auto& slot = blocks_[static_cast<size_t>(index / kBlockSize)];
    BackendCounters* block = slot.load(std::memory_order_acquire);
    if (!block) {
      auto* fresh = new BackendCounters[kBlockSize];
      if (slot.compare_exchange_strong(block, fresh, std::memory_order_acq_rel)) {
        block = fresh;
      } else {
        delete[] fresh;  // another thread won the race; `block` now holds its allocation
      }
    }
    return block[index % kBlockSize];
  }

  // JS thread: the counters if any thread ever touched this backend, else nullptr (all zero).
  const BackendCounters* find(int32_t index) const {
    if (index < 0 || index >= kBlockSize * kBlockCount) return nullptr;
    BackendCounters* block = blocks_[static_cast<size_t>(index / kBlockSize)].load(std::memory_order_acquire);
    return block ? &block[index % kBlockSize] : nullptr;
  }

  static bool Holds(int32_t index) { return index >= 0 && index < kBlockSize * kBlockCount; }

 private:
  std::array<std::atomic<BackendCounters*>, kBlockCount> blocks_{};
};

}  // namespace fulcrum::l4
