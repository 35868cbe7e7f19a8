// Chooses the builder for a pool's algorithm; control plane only.
#include "picker.h"

namespace fulcrum::balancer {

Status BuildPicker(const PickerInput& input, std::unique_ptr<Picker>* picker) {
  switch (input.options.algorithm) {
    case Algorithm::RoundRobin:
      *picker = BuildRoundRobin(input);
      return Status::Ok();
    case Algorithm::WeightedRoundRobin:
      *picker = BuildSmoothWeightedRoundRobin(input);
      return Status::Ok();
    case Algorithm::LeastConnections:
      *picker = BuildLeastConnections(input);
      return Status::Ok();
    case Algorithm::WeightedLeastConnections:
      *picker = BuildWeightedLeastConnections(input);
      return Status::Ok();
    case Algorithm::PowerOfTwo:
      *picker = BuildPowerOfTwo(input);
      return Status::Ok();
    case Algorithm::LeastLatency:
      *picker = BuildLeastLatency(input);
      return Status::Ok();
    case Algorithm::ConsistentHash:
      return BuildConsistentHash(input, picker);
  }
  return Status::Error("unknown balancing algorithm");
}

}  // namespace fulcrum::balancer
