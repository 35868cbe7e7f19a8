// Consistent-hash rings on many keys: agreement, movement on removal, load spread on 1M keys, bounded loads.
#include <algorithm>
#include <cstdio>
#include <map>
#include <random>

#include "balancer/bounded_load.h"
#include "balancer/hash.h"
#include "balancer/md5.h"
#include "balancer_fixture.h"
#include "check.h"

using namespace fulcrum::balancer;
using namespace fulcrum::test;

namespace {

std::vector<std::string> RandomKeys(size_t count, uint32_t seed) {
  std::mt19937_64 random(seed);
  std::vector<std::string> keys;
  keys.reserve(count);
  for (size_t key = 0; key < count; ++key) keys.push_back(std::to_string(random()));
  return keys;
}

const std::string& AddressFor(Pool& pool, const std::string& key) {
  int32_t index = PickKey(pool, key);
  pool.release(index, Outcome::Success);
  return pool.backend(index).address;
}

double MovedFraction(RingKind ringKind, size_t members, const std::vector<std::string>& keys) {
  PoolOptions all = Options(Algorithm::ConsistentHash, std::vector<double>(members, 1), ringKind);
  PoolOptions fewer = all;
  fewer.backends.erase(fewer.backends.begin() + static_cast<std::ptrdiff_t>(members / 3));
  auto before = MakePool(all);
  auto after = MakePool(fewer);
  size_t moved = 0;
  for (const std::string& key : keys) moved += AddressFor(*before, key) != AddressFor(*after, key);
  return static_cast<double>(moved) / static_cast<double>(keys.size());
}

}  // namespace

TEST(Md5MatchesRfc1321) {
  auto digest = Md5(reinterpret_cast<const uint8_t*>("abc"), 3);
  const uint8_t expected[16] = {0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
                                0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72};
  CHECK(std::equal(digest.begin(), digest.end(), expected));
  std::string long56(56, 'a');  // padding spills into a second block
  auto spilled = Md5(reinterpret_cast<const uint8_t*>(long56.data()), long56.size());
  const uint8_t expectedSpilled[16] = {0x3b, 0x0c, 0x8a, 0xc7, 0x03, 0xf8, 0x28, 0xb0,
                                       0x4c, 0x6c, 0x19, 0x70, 0x06, 0xd1, 0x72, 0x18};
  CHECK(std::equal(spilled.begin(), spilled.end(), expectedSpilled));
}

TEST(SameKeySameBackendAcrossSeparatelyBuiltTables) {
  const auto keys = RandomKeys(100000, 1);
  for (RingKind ringKind : {RingKind::Maglev, RingKind::Ketama}) {
    PoolOptions options = Options(Algorithm::ConsistentHash, {1, 2, 1, 3, 1, 1, 2, 1}, ringKind);
    PoolOptions reversed = options;
    std::reverse(reversed.backends.begin(), reversed.backends.end());
    auto first = MakePool(options);
    auto second = MakePool(reversed);
    size_t disagreements = 0;
    for (const std::string& key : keys) disagreements += AddressFor(*first, key) != AddressFor(*second, key);
    CHECK_EQ(disagreements, 0u);
  }
}

TEST(RemovingOneOfNMovesFewKeys) {
  const auto keys = RandomKeys(200000, 2);
  for (size_t members : {10u, 50u}) {
    const double ideal = 1.0 / static_cast<double>(members);
    const double ketama = MovedFraction(RingKind::Ketama, members, keys);
    const double maglev = MovedFraction(RingKind::Maglev, members, keys);
    std::printf("  remove 1 of %zu: ketama moved %.4f, maglev moved %.4f (1/N = %.4f)\n", members, ketama, maglev,
                ideal);
    CHECK(ketama > ideal * 0.75 && ketama < ideal * 1.25);
    CHECK(maglev >= ideal * 0.99 && maglev <= ideal * 2);
  }
}

TEST(LoadSpreadOnAMillionKeys) {
  const auto keys = RandomKeys(1000000, 3);
  struct Bound {
    RingKind ringKind;
    size_t members;
    double maxOverMean;
  };
  // Maglev's table is near-exact, so only key sampling noise remains; ketama's 160 points per
  // backend leave placement noise of roughly 1/sqrt(160) on top.
  for (const Bound& bound : {Bound{RingKind::Maglev, 10, 1.02}, Bound{RingKind::Maglev, 100, 1.05},
                             Bound{RingKind::Ketama, 10, 1.20}, Bound{RingKind::Ketama, 100, 1.35}}) {
    auto pool = MakePool(Options(Algorithm::ConsistentHash, std::vector<double>(bound.members, 1), bound.ringKind));
    std::vector<size_t> counts(bound.members, 0);
    for (const std::string& key : keys) {
      int32_t index = PickKey(*pool, key);
      ++counts[static_cast<size_t>(index)];
      pool->release(index, Outcome::Success);
    }
    const double mean = static_cast<double>(keys.size()) / static_cast<double>(bound.members);
    const double maxOverMean = static_cast<double>(*std::max_element(counts.begin(), counts.end())) / mean;
    std::printf("  %s, %zu backends: max/mean %.4f (bound %.2f)\n", std::string(RingKindName(bound.ringKind)).c_str(),
                bound.members, maxOverMean, bound.maxOverMean);
    CHECK(maxOverMean <= bound.maxOverMean);
  }
}

TEST(BoundedLoadsKeepEveryBackendUnderItsCap) {
  for (uint32_t factor : {125u, 150u, 200u}) {
    PoolOptions options = Options(Algorithm::ConsistentHash, {1, 2, 1, 3, 1, 1});
    options.balanceFactor = factor;
    auto pool = MakePool(options);
    const uint64_t totalWeight = 9;
    std::vector<int32_t> held;
    for (int pick = 0; pick < 20000; ++pick) {
      held.push_back(PickKey(*pool, pick % 2 ? "hot" : "key-" + std::to_string(pick % 5)));
      const int64_t total = pool->activeTotal();
      for (int32_t index = 0; index < 6; ++index) {
        const uint64_t weight = pool->backend(index).weight.load();
        const uint64_t cap =
            (static_cast<uint64_t>(total) * factor * weight + 100 * totalWeight - 1) / (100 * totalWeight);
        if (static_cast<uint64_t>(pool->backend(index).activeConnections.load()) > cap) {
          Fail(__FILE__, __LINE__, "backend over its cap at factor " + std::to_string(factor));
          return;
        }
      }
    }
    for (int32_t index : held) pool->release(index, Outcome::Success);
    CHECK_EQ(pool->activeTotal(), 0);
  }
}

TEST(HashIsStableAndSeeded) {
  CHECK_EQ(HashText("fulcrum"), HashText("fulcrum"));
  CHECK(HashText("fulcrum") != HashText("fulcrum", 1));
  CHECK(BackendIdFor("10.0.0.1:80").size() == 16);
}
