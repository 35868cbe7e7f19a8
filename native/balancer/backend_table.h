// Append-only slot storage for a pool's backends: an index, once handed out, names the same backend forever.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "backend.h"

namespace fulcrum::balancer {

// Slots live in fixed-size blocks that never move, so a data-plane thread may hold a Backend&
// while the control plane appends. Reads (at, size) are lock-free from any thread; append and
// find are control-plane calls that the owning Pool serializes with its control mutex.
class BackendTable {
 public:
  static constexpr int32_t kBlockSize = 64;
  static constexpr int32_t kBlockCount = 1024;
  static constexpr int32_t kCapacity = kBlockSize * kBlockCount;  // distinct addresses a pool can ever hold

  BackendTable() = default;
  BackendTable(const BackendTable&) = delete;
  BackendTable& operator=(const BackendTable&) = delete;
  ~BackendTable();

  int32_t size() const { return size_.load(std::memory_order_acquire); }
  bool contains(int32_t index) const { return index >= 0 && index < size(); }
  Backend& at(int32_t index) const {
    return blocks_[static_cast<size_t>(index / kBlockSize)].load(std::memory_order_acquire)[index % kBlockSize];
  }

  // Control plane: the slot already holding this address, or -1.
  int32_t find(std::string_view address) const;
  // Control plane: a new slot for an address ParseSocketAddress accepts; -1 when the table is full.
  int32_t append(std::string_view address, uint32_t weight);

 private:
  mutable std::array<std::atomic<Backend*>, kBlockCount> blocks_{};
  std::atomic<int32_t> size_{0};
  std::unordered_map<std::string, int32_t> indexByAddress_;  // control plane only
};

}  // namespace fulcrum::balancer
