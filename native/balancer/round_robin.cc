// Round robin: every Up member in configuration order, one turn each.
#include "cycle_picker.h"

namespace fulcrum::balancer {

std::unique_ptr<Picker> BuildRoundRobin(const PickerInput& input) {
  std::vector<int32_t> cycle;
  cycle.reserve(input.members.size());
  for (const Member& member : input.members) cycle.push_back(member.index);
  return std::make_unique<CyclePicker>(input.table, std::move(cycle));
}

}  // namespace fulcrum::balancer
