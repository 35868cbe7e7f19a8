// Finds the least-loaded pickable member by a full scan (least connections, and the fallback of the
// power-of-two pickers), and draws random pickable members for the power-of-two pickers.
#pragma once

#include <cstddef>
#include <vector>

#include "picker.h"
#include "thread_random.h"

namespace fulcrum::balancer {

// Scans every member once starting at start (rotating start spreads ties), reading the live
// activeConnections atomics; any thread. isLess(activeA, weightA, activeB, weightB) orders loads.
template <typename IsLess>
int32_t ScanForLeastLoaded(const BackendTable& table, const std::vector<Member>& members, size_t start, int32_t avoid,
                           IsLess isLess) {
  int32_t best = kNoPick;
  int64_t bestActive = 0;
  uint32_t bestWeight = 1;
  const size_t count = members.size();
  for (size_t offset = 0; offset < count; ++offset) {
    const Member& member = members[(start + offset) % count];
    if (!IsPickable(table, member.index, avoid)) continue;
    int64_t active = table.at(member.index).activeConnections.load(std::memory_order_relaxed);
    if (best == kNoPick || isLess(active, member.weight, bestActive, bestWeight)) {
      best = member.index;
      bestActive = active;
      bestWeight = member.weight;
    }
  }
  return best;
}

// A random pickable member other than `other` (nullptr: any), or nullptr after a few unlucky draws, when the
// caller falls back to a scan. Any thread; the random state is the calling thread's.
inline const Member* DrawPickable(const BackendTable& table, const std::vector<Member>& members, int32_t avoid,
                                  const Member* other) {
  constexpr int kDrawAttempts = 4;
  for (int attempt = 0; attempt < kDrawAttempts; ++attempt) {
    const Member& member = members[RandomBelow(members.size())];
    if (&member != other && IsPickable(table, member.index, avoid)) return &member;
  }
  return nullptr;
}

}  // namespace fulcrum::balancer
