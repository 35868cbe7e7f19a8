// Least connections: the Up member with the fewest active connections, counted across all threads.
#include <atomic>

#include "load_scan.h"

namespace fulcrum::balancer {

namespace {

// O(members) per pick. The counts are the shared Backend atomics, so the choice is exact across
// L4 threads and L7 workers, unlike NGINX/HAProxy per-process counts.
class LeastConnectionsPicker final : public Picker {
 public:
  explicit LeastConnectionsPicker(const PickerInput& input) : table_(input.table), members_(input.members) {}

  int32_t pick(const PickRequest& request) const override {
    if (members_.empty()) return kNoPick;
    size_t start = static_cast<size_t>(tieBreaker_.fetch_add(1, std::memory_order_relaxed) % members_.size());
    return ScanForLeastLoaded(table_, members_, start, request.avoid,
                              [](int64_t activeA, uint32_t, int64_t activeB, uint32_t) { return activeA < activeB; });
  }

 private:
  const BackendTable& table_;
  const std::vector<Member> members_;
  mutable std::atomic<uint64_t> tieBreaker_{0};  // rotates the scan start so ties go round robin
};

}  // namespace

std::unique_ptr<Picker> BuildLeastConnections(const PickerInput& input) {
  return std::make_unique<LeastConnectionsPicker>(input);
}

}  // namespace fulcrum::balancer
