// Builders shared by the balancer tests: pools from weights, pick sequences, cleanup of held picks.
#pragma once

#include <string>
#include <vector>

#include "balancer/pool.h"

namespace fulcrum::test {

inline std::string AddressOf(size_t position) {
  return "10." + std::to_string(position / 250 / 250) + "." + std::to_string(position / 250 % 250) + "." +
         std::to_string(position % 250 + 1) + ":8080";
}

inline balancer::PoolOptions Options(balancer::Algorithm algorithm, const std::vector<double>& weights,
                                     balancer::RingKind ringKind = balancer::RingKind::Maglev) {
  balancer::PoolOptions options;
  options.name = "test";
  options.algorithm = algorithm;
  options.ringKind = ringKind;
  for (size_t position = 0; position < weights.size(); ++position) {
    options.backends.push_back({AddressOf(position), weights[position]});
  }
  return options;
}

inline std::shared_ptr<balancer::Pool> MakePool(const balancer::PoolOptions& options) {
  balancer::Status status = balancer::Status::Ok();
  auto pool = balancer::Pool::Create(options, &status);
  if (!status.ok()) std::fprintf(stderr, "  pool creation failed: %s\n", status.message().c_str());
  return pool;
}

inline int32_t PickKey(balancer::Pool& pool, const std::string& key, int32_t avoid = balancer::Pool::kNoBackend) {
  return pool.pick(reinterpret_cast<const uint8_t*>(key.data()), key.size(), avoid);
}

// Picks and releases at once; letters a, b, c ... for indices, '-' for no backend.
inline std::string Sequence(balancer::Pool& pool, int picks) {
  std::string letters;
  for (int pick = 0; pick < picks; ++pick) {
    int32_t index = pool.pick(nullptr, 0, balancer::Pool::kNoBackend);
    letters += index < 0 ? '-' : static_cast<char>('a' + index);
    if (index >= 0) pool.release(index, balancer::Outcome::Success);
  }
  return letters;
}

}  // namespace fulcrum::test
