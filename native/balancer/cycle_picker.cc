// CyclePicker::pick runs on any thread; the constructor on the control plane.
#include "cycle_picker.h"

#include <utility>

namespace fulcrum::balancer {

CyclePicker::CyclePicker(const BackendTable& table, std::vector<int32_t> cycle)
    : table_(table), cycle_(std::move(cycle)) {}

int32_t CyclePicker::pick(const PickRequest& request) const {
  const size_t length = cycle_.size();
  if (length == 0) return kNoPick;
  const size_t start = static_cast<size_t>(cursor_.fetch_add(1, std::memory_order_relaxed) % length);
  for (size_t skipped = 0; skipped < length; ++skipped) {
    int32_t index = cycle_[(start + skipped) % length];
    if (!IsPickable(table_, index, request.avoid)) continue;
    if (skipped > 0) cursor_.fetch_add(skipped, std::memory_order_relaxed);
    return index;
  }
  return kNoPick;
}

}  // namespace fulcrum::balancer
