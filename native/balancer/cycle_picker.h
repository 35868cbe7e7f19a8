// A picker that walks a fixed cycle of slots with a shared cursor: round robin and smooth WRR both use it.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "picker.h"

namespace fulcrum::balancer {

// cursor_ is the only mutable state; every thread fetch_adds it, so concurrent picks interleave
// without a lock. Unpickable slots are skipped and their turns consumed, so with b down a, b, c
// yields a c a c rather than a c c.
class CyclePicker final : public Picker {
 public:
  CyclePicker(const BackendTable& table, std::vector<int32_t> cycle);
  int32_t pick(const PickRequest& request) const override;

 private:
  const BackendTable& table_;
  const std::vector<int32_t> cycle_;
  mutable std::atomic<uint64_t> cursor_{0};
};

}  // namespace fulcrum::balancer
