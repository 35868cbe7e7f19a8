// Weighted least connections: the Up member with the lowest (active + 1) / weight.
#include <atomic>

#include "load_scan.h"

namespace fulcrum::balancer {

namespace {

// The +1 (as HAProxy's leastconn) makes weight matter on an idle pool: the first pick goes to the
// heaviest member, and the steady-state share of connections follows the weights.
class WeightedLeastConnectionsPicker final : public Picker {
 public:
  explicit WeightedLeastConnectionsPicker(const PickerInput& input) : table_(input.table), members_(input.members) {}

  int32_t pick(const PickRequest& request) const override {
    if (members_.empty()) return kNoPick;
    size_t start = static_cast<size_t>(tieBreaker_.fetch_add(1, std::memory_order_relaxed) % members_.size());
    return ScanForLeastLoaded(table_, members_, start, request.avoid, IsLessLoaded);
  }

 private:
  const BackendTable& table_;
  const std::vector<Member> members_;
  mutable std::atomic<uint64_t> tieBreaker_{0};  // rotates the scan start so ties go round robin
};

}  // namespace

std::unique_ptr<Picker> BuildWeightedLeastConnections(const PickerInput& input) {
  return std::make_unique<WeightedLeastConnectionsPicker>(input);
}

}  // namespace fulcrum::balancer
