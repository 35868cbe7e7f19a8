// Pool-wide load figures that outlive any one picker snapshot (bounded loads and stats read them).
#pragma once

#include <atomic>
#include <cstdint>

namespace fulcrum::balancer {

// activeTotal: every data-plane thread bumps it in pick/release, so it stays exact across snapshot swaps.
// upWeight: the control plane recomputes it on every state, weight or membership change.
struct PoolLoad {
  std::atomic<int64_t> activeTotal{0};
  std::atomic<uint64_t> upWeight{0};
};

}  // namespace fulcrum::balancer
