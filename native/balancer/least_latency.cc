// Least latency (peak-EWMA, as Finagle and Linkerd): two random Up members, the lower ewma x (active + 1) / weight
// wins.
#include <algorithm>

#include "load_scan.h"
#include "peak_ewma.h"
#include "thread_random.h"

namespace fulcrum::balancer {

namespace {

// Below this an average counts as this, so two backends that both look instant (idle and decayed to
// nothing) still compare by their loads.
constexpr double kLatencyFloorMs = 0.001;

// One candidate as the comparison sees it; latencyMs is PeakEwma::kNoSamples when it has none.
struct Candidate {
  int32_t index;
  uint32_t weight;
  int64_t active;
  double latencyMs;
};

// Is a's expected wait, latency x (active + 1) / weight, below b's? Cross-multiplied, as IsLessLoaded.
bool IsFaster(const Candidate& a, const Candidate& b) {
  const double costA = std::max(a.latencyMs, kLatencyFloorMs) * static_cast<double>(a.active + 1) * b.weight;
  const double costB = std::max(b.latencyMs, kLatencyFloorMs) * static_cast<double>(b.active + 1) * a.weight;
  return costA < costB;
}

// Power of two choices over the backends' peak-EWMA latency times their load; any thread, lock-free.
// A backend with no samples (new, or back from down) stands in at the average of those that have some,
// so it is neither flooded as "fastest" nor starved as "slowest", and gets its own samples soon. With
// no samples anywhere (a fresh pool) it is plain power of two choices on the loads.
class LeastLatencyPicker final : public Picker {
 public:
  explicit LeastLatencyPicker(const PickerInput& input)
      : table_(input.table), members_(input.members), halfLifeMs_(input.options.latencyHalfLifeMs) {}

  int32_t pick(const PickRequest& request) const override {
    const size_t count = members_.size();
    if (count == 0) return kNoPick;
    const uint32_t nowMs = LatencyClockMs();
    const Member* first = DrawPickable(table_, members_, request.avoid, nullptr);
    const Member* second = first == nullptr ? nullptr : DrawPickable(table_, members_, request.avoid, first);
    if (first == nullptr || second == nullptr) return scan(request.avoid, nowMs);
    Candidate a = candidate(*first, nowMs);
    Candidate b = candidate(*second, nowMs);
    if (a.latencyMs < 0 || b.latencyMs < 0) {
      const double average = sampledAverage(nowMs);
      if (average < 0) return IsLessLoaded(b.active, b.weight, a.active, a.weight) ? b.index : a.index;
      if (a.latencyMs < 0) a.latencyMs = average;
      if (b.latencyMs < 0) b.latencyMs = average;
    }
    return IsFaster(b, a) ? b.index : a.index;
  }

 private:
  Candidate candidate(const Member& member, uint32_t nowMs) const {
    const Backend& backend = table_.at(member.index);
    return {member.index, member.weight, backend.activeConnections.load(std::memory_order_relaxed),
            backend.latency.read(nowMs, halfLifeMs_)};
  }

  // The mean latency of the Up members that have samples, or kNoSamples. O(members), but only while a
  // drawn member has no samples of its own: after a start, a reload or a backend's return.
  double sampledAverage(uint32_t nowMs) const {
    double sum = 0;
    size_t sampled = 0;
    for (const Member& member : members_) {
      if (!IsPickable(table_, member.index, kNoPick)) continue;
      const double latency = table_.at(member.index).latency.read(nowMs, halfLifeMs_);
      if (latency < 0) continue;
      sum += latency;
      ++sampled;
    }
    return sampled == 0 ? PeakEwma::kNoSamples : sum / static_cast<double>(sampled);
  }

  // The random draws missed (few members up): the fastest of all pickable members by a full scan.
  int32_t scan(int32_t avoid, uint32_t nowMs) const {
    const double average = sampledAverage(nowMs);
    if (average < 0) return ScanForLeastLoaded(table_, members_, RandomBelow(members_.size()), avoid, IsLessLoaded);
    const size_t start = RandomBelow(members_.size());
    Candidate best{kNoPick, 1, 0, 0};
    for (size_t offset = 0; offset < members_.size(); ++offset) {
      const Member& member = members_[(start + offset) % members_.size()];
      if (!IsPickable(table_, member.index, avoid)) continue;
      Candidate next = candidate(member, nowMs);
      if (next.latencyMs < 0) next.latencyMs = average;
      if (best.index == kNoPick || IsFaster(next, best)) best = next;
    }
    return best.index;
  }

  const BackendTable& table_;
  const std::vector<Member> members_;
  const double halfLifeMs_;
};

}  // namespace

std::unique_ptr<Picker> BuildLeastLatency(const PickerInput& input) {
  return std::make_unique<LeastLatencyPicker>(input);
}

}  // namespace fulcrum::balancer
