// Smooth weighted round robin (NGINX's algorithm): weights 5:1:1 interleave as a a b a c a a.
#include <numeric>

#include "cycle_picker.h"

namespace fulcrum::balancer {

namespace {

// Longest cycle kept; heavier weight sets are halved until they fit, which keeps ratios within ~1/256.
constexpr uint64_t kMaxCycleLength = 1 << 16;

std::vector<uint64_t> ReducedWeights(const std::vector<Member>& members) {
  uint64_t divisor = 0;
  for (const Member& member : members) divisor = std::gcd(divisor, static_cast<uint64_t>(member.weight));
  std::vector<uint64_t> weights;
  uint64_t total = 0;
  for (const Member& member : members) {
    weights.push_back(member.weight / divisor);
    total += weights.back();
  }
  while (total > kMaxCycleLength) {
    total = 0;
    for (uint64_t& weight : weights) {
      weight = (weight + 1) / 2;
      total += weight;
    }
  }
  return weights;
}

}  // namespace

// NGINX keeps current weights per worker under a lock and recomputes them on every pick. The
// sequence is periodic with period sum(weights), so it is computed once here and replayed by a
// lock-free cursor, which gives every thread the same interleaving.
std::unique_ptr<Picker> BuildSmoothWeightedRoundRobin(const PickerInput& input) {
  const std::vector<uint64_t> weights = ReducedWeights(input.members);
  const int64_t total = std::accumulate(weights.begin(), weights.end(), int64_t{0});
  std::vector<int64_t> current(weights.size(), 0);
  std::vector<int32_t> cycle;
  cycle.reserve(static_cast<size_t>(total));
  for (int64_t turn = 0; turn < total; ++turn) {
    size_t best = 0;
    for (size_t position = 0; position < weights.size(); ++position) {
      current[position] += static_cast<int64_t>(weights[position]);
      if (current[position] > current[best]) best = position;
    }
    current[best] -= total;
    cycle.push_back(input.members[best].index);
  }
  return std::make_unique<CyclePicker>(input.table, std::move(cycle));
}

}  // namespace fulcrum::balancer
