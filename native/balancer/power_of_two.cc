// Power of two choices: draw two Up members at random, keep the one with the lower (active + 1) / weight.
#include "load_scan.h"
#include "thread_random.h"

namespace fulcrum::balancer {

namespace {

// Constant work per pick however large the pool, and no herd onto one "least loaded" backend when
// many threads pick at once. When few members are up the random draws may miss, so it falls back to
// a full weighted scan rather than give up.
class PowerOfTwoPicker final : public Picker {
 public:
  explicit PowerOfTwoPicker(const PickerInput& input) : table_(input.table), members_(input.members) {}

  int32_t pick(const PickRequest& request) const override {
    const size_t count = members_.size();
    if (count == 0) return kNoPick;
    const Member* first = DrawPickable(table_, members_, request.avoid, nullptr);
    const Member* second = first == nullptr ? nullptr : DrawPickable(table_, members_, request.avoid, first);
    if (first == nullptr || second == nullptr) {
      return ScanForLeastLoaded(table_, members_, RandomBelow(count), request.avoid, IsLessLoaded);
    }
    int64_t firstActive = table_.at(first->index).activeConnections.load(std::memory_order_relaxed);
    int64_t secondActive = table_.at(second->index).activeConnections.load(std::memory_order_relaxed);
    return IsLessLoaded(secondActive, second->weight, firstActive, first->weight) ? second->index : first->index;
  }

 private:
  const BackendTable& table_;
  const std::vector<Member> members_;
};

}  // namespace

std::unique_ptr<Picker> BuildPowerOfTwo(const PickerInput& input) { return std::make_unique<PowerOfTwoPicker>(input); }

}  // namespace fulcrum::balancer
