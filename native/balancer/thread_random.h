// A per-thread wyrand generator for randomized pickers: no shared state, so no contention.
#pragma once

#include <chrono>
#include <cstdint>
#include <thread>

namespace fulcrum::balancer {

// Each thread seeds its own state from the clock and its id the first time it draws.
inline uint64_t NextThreadRandom() {
  thread_local uint64_t state = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                                (std::hash<std::thread::id>()(std::this_thread::get_id()) * 0x9e3779b97f4a7c15ull);
  state += 0xa0761d6478bd642full;
  __uint128_t product = static_cast<__uint128_t>(state) * (state ^ 0xe7037ed1a0b428dbull);
  return static_cast<uint64_t>(product >> 64) ^ static_cast<uint64_t>(product);
}

// Uniform in [0, bound) by Lemire's multiply-shift (bound > 0).
inline size_t RandomBelow(size_t bound) {
  return static_cast<size_t>((static_cast<__uint128_t>(NextThreadRandom()) * bound) >> 64);
}

}  // namespace fulcrum::balancer
