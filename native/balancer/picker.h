// The one small interface every balancing algorithm implements (HAProxy lb_*.c style), and what it is built from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "backend_table.h"
#include "pool_load.h"
#include "pool_options.h"
#include "status.h"

namespace fulcrum::balancer {

inline constexpr int32_t kNoPick = -1;

// A backend as one snapshot sees it: its slot and the effective weight frozen at build time.
struct Member {
  int32_t index;
  uint32_t weight;
};

struct PickRequest {
  const uint8_t* key;  // nullptr = no key
  size_t keyLength;
  int32_t avoid;  // slot to skip, or kNoPick
};

// Everything a builder may look at. table and load belong to the Pool and outlive every picker.
struct PickerInput {
  const BackendTable& table;
  const PoolLoad& load;
  const PoolOptions& options;
  std::vector<Member> members;  // in configuration order
};

// Built by the control plane, then immutable except for its own atomics (cursors); pick runs on any
// thread concurrently. A picker returns an Up member other than request.avoid, or kNoPick; the Pool
// then falls back to avoid when it is the only one up, and does the connection accounting itself.
//
// There are no taken/released hooks: every count a picker needs lives in the shared Backend atomics
// and PoolLoad, because a connection picked under one snapshot is often released under the next,
// so picker-private counts would drift on every swap.
class Picker {
 public:
  virtual ~Picker() = default;
  virtual int32_t pick(const PickRequest& request) const = 0;
};

// True when index may be returned for this request: Up and not the one to avoid.
inline bool IsPickable(const BackendTable& table, int32_t index, int32_t avoid) {
  return index != avoid && table.at(index).state.load(std::memory_order_relaxed) == BackendState::Up;
}

// Weighted-load order without division: is (activeA + 1) / weightA below (activeB + 1) / weightB?
inline bool IsLessLoaded(int64_t activeA, uint32_t weightA, int64_t activeB, uint32_t weightB) {
  return (activeA + 1) * static_cast<int64_t>(weightB) < (activeB + 1) * static_cast<int64_t>(weightA);
}

std::unique_ptr<Picker> BuildRoundRobin(const PickerInput& input);
std::unique_ptr<Picker> BuildSmoothWeightedRoundRobin(const PickerInput& input);
std::unique_ptr<Picker> BuildLeastConnections(const PickerInput& input);
std::unique_ptr<Picker> BuildWeightedLeastConnections(const PickerInput& input);
std::unique_ptr<Picker> BuildPowerOfTwo(const PickerInput& input);
std::unique_ptr<Picker> BuildLeastLatency(const PickerInput& input);
// Fails only when the ring would be too large (ketama with very many weight units).
Status BuildConsistentHash(const PickerInput& input, std::unique_ptr<Picker>* picker);

// Dispatches on input.options.algorithm.
Status BuildPicker(const PickerInput& input, std::unique_ptr<Picker>* picker);

}  // namespace fulcrum::balancer
