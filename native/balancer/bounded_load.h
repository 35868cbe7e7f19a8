// Consistent hashing with bounded loads (HAProxy hash-balance-factor): may this backend take one more?
#pragma once

#include <cstdint>

#include "pool_load.h"

namespace fulcrum::balancer {

// A backend is eligible while active + 1 <= ceil((activeTotal + 1) * factor% * weight / upWeight),
// i.e. after this pick it holds at most factor% of its weighted share of all active connections.
// Reads live atomics on any thread; two threads racing may both see room, so under concurrency the
// cap can be passed by the number of simultaneous pickers, never more.
inline bool IsUnderLoadCap(const PoolLoad& load, uint32_t balanceFactor, int64_t active, uint32_t weight) {
  const uint64_t upWeight = load.upWeight.load(std::memory_order_relaxed);
  if (upWeight == 0) return true;
  const int64_t total = load.activeTotal.load(std::memory_order_relaxed);
  const uint64_t scaled = static_cast<uint64_t>(total < 0 ? 0 : total) + 1;
  const uint64_t numerator = scaled * balanceFactor * weight;
  const uint64_t denominator = uint64_t{100} * upWeight;
  const uint64_t cap = (numerator + denominator - 1) / denominator;
  return static_cast<uint64_t>(active < 0 ? 0 : active) + 1 <= cap;
}

}  // namespace fulcrum::balancer
