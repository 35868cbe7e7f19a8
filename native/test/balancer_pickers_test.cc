// Picker behaviour through the Pool API: sequences, weighted shares, the state rules, avoid, and bad input.
#include <cmath>

#include "balancer/registry.h"
#include "balancer_fixture.h"
#include "check.h"

using namespace fulcrum::balancer;
using namespace fulcrum::test;

namespace {

constexpr Algorithm kAllAlgorithms[] = {Algorithm::RoundRobin,       Algorithm::WeightedRoundRobin,
                                        Algorithm::LeastConnections, Algorithm::WeightedLeastConnections,
                                        Algorithm::PowerOfTwo,       Algorithm::ConsistentHash,
                                        Algorithm::LeastLatency};

void ReleaseAll(Pool& pool) {
  for (int32_t index = 0; index < static_cast<int32_t>(pool.size()); ++index) {
    while (pool.backend(index).activeConnections.load() > 0) pool.release(index, Outcome::Success);
  }
}

}  // namespace

TEST(RoundRobinSequences) {
  auto pool = MakePool(Options(Algorithm::RoundRobin, {1, 1, 1}));
  CHECK(Sequence(*pool, 7) == "abcabca");
  CHECK(pool->setState(1, BackendState::Down).ok());
  CHECK(Sequence(*pool, 6) == "cacaca");  // the cursor stood on b: its turns are skipped, not doubled
}

TEST(SmoothWeightedRoundRobinSequences) {
  struct Case {
    std::vector<double> weights;
    const char* expected;
  };
  for (const Case& testCase : {Case{{5, 1, 1}, "aabacaaaabacaa"}, Case{{4, 2, 1}, "abacaba"}, Case{{1, 1}, "abab"},
                               Case{{3, 3, 2}, "abcabcab"}, Case{{256, 1}, "aaaa"}}) {
    auto pool = MakePool(Options(Algorithm::WeightedRoundRobin, testCase.weights));
    std::string sequence = Sequence(*pool, static_cast<int>(std::string(testCase.expected).size()));
    if (sequence != testCase.expected) Fail(__FILE__, __LINE__, "SWRR got " + sequence + " want " + testCase.expected);
  }
}

TEST(WeightedSharesFollowWeights) {
  const std::vector<double> weights = {5, 3, 1, 1};
  for (Algorithm algorithm : {Algorithm::WeightedRoundRobin, Algorithm::WeightedLeastConnections, Algorithm::PowerOfTwo,
                              Algorithm::LeastLatency}) {
    auto pool = MakePool(Options(algorithm, weights));
    const int picks = 100000;
    const bool holdPicks = algorithm != Algorithm::WeightedRoundRobin;  // load-aware pickers weigh held connections
    for (int pick = 0; pick < picks; ++pick) {
      int32_t index = pool->pick(nullptr, 0, Pool::kNoBackend);
      if (!holdPicks) pool->release(index, Outcome::Success);
    }
    for (int32_t index = 0; index < 4; ++index) {
      double share = static_cast<double>(pool->backend(index).totalPicks.load()) / picks;
      double expected = weights[static_cast<size_t>(index)] / 10.0;
      if (std::fabs(share - expected) > 0.01) {
        Fail(__FILE__, __LINE__,
             std::string(AlgorithmName(algorithm)) + " share " + std::to_string(share) + " for weight " +
                 std::to_string(expected));
      }
    }
    ReleaseAll(*pool);
    CHECK_EQ(pool->activeTotal(), 0);
  }
}

TEST(EveryAlgorithmFollowsTheStateRules) {
  for (Algorithm algorithm : kAllAlgorithms) {
    auto pool = MakePool(Options(algorithm, {1, 2, 3, 1, 2}));
    CHECK(pool->setState(0, BackendState::Down).ok());
    CHECK(pool->setState(2, BackendState::Draining).ok());
    CHECK(pool->setState(4, BackendState::Disabled).ok());
    for (int pick = 0; pick < 1000; ++pick) {
      int32_t index = PickKey(*pool, "key-" + std::to_string(pick), pick % 2 ? 1 : Pool::kNoBackend);
      CHECK(index == 1 || index == 3);
      if (pick % 2) CHECK(index == 3);
      pool->release(index, Outcome::Success);
    }
    CHECK(pool->setState(3, BackendState::Down).ok());
    CHECK_EQ(PickKey(*pool, "k", 1), 1);  // the avoided backend is the only one up
    pool->release(1, Outcome::Success);
    CHECK(pool->setState(1, BackendState::Down).ok());
    CHECK_EQ(PickKey(*pool, "k"), Pool::kNoBackend);
    CHECK_EQ(pool->pick(nullptr, 0, Pool::kNoBackend), Pool::kNoBackend);
    CHECK_EQ(pool->activeTotal(), 0);
  }
}

TEST(LeastConnectionsPicksTheLeastLoaded) {
  auto pool = MakePool(Options(Algorithm::LeastConnections, {1, 1, 1}));
  int32_t first = pool->pick(nullptr, 0, Pool::kNoBackend);
  int32_t second = pool->pick(nullptr, 0, Pool::kNoBackend);
  int32_t third = pool->pick(nullptr, 0, Pool::kNoBackend);
  CHECK(first != second && second != third && first != third);
  pool->release(second, Outcome::Success);
  CHECK_EQ(pool->pick(nullptr, 0, Pool::kNoBackend), second);
  ReleaseAll(*pool);
}

TEST(ReleaseCountsOutcomesAndRefusesDoubleRelease) {
  auto pool = MakePool(Options(Algorithm::RoundRobin, {1}));
  for (Outcome outcome : {Outcome::Timeout, Outcome::Reset, Outcome::ClientAborted}) {
    pool->pick(nullptr, 0, Pool::kNoBackend);
    pool->release(0, outcome);
  }
  CHECK_EQ(pool->backend(0).failures.load(), 2u);
  CHECK_EQ(pool->backend(0).consecutiveFailures.load(), 2u);
  CHECK(pool->releaseChecked(0, Outcome::Success) == ReleaseResult::NotActive);
  CHECK(pool->releaseChecked(5, Outcome::Success) == ReleaseResult::UnknownIndex);
  CHECK(pool->releaseChecked(-1, Outcome::Success) == ReleaseResult::UnknownIndex);
  CHECK_EQ(pool->backend(0).activeConnections.load(), 0);
}

TEST(BadInputIsRejectedWithAReason) {
  struct Case {
    PoolOptions options;
    const char* mentions;
  };
  PoolOptions empty = Options(Algorithm::RoundRobin, {});
  PoolOptions nanWeight = Options(Algorithm::RoundRobin, {NAN});
  PoolOptions zeroWeight = Options(Algorithm::RoundRobin, {0});
  PoolOptions negativeWeight = Options(Algorithm::RoundRobin, {-1});
  PoolOptions badAddress = Options(Algorithm::RoundRobin, {1});
  badAddress.backends[0].address = "localhost:80";
  PoolOptions badTable = Options(Algorithm::ConsistentHash, {1});
  badTable.maglevTableSize = 1000;
  PoolOptions hugeKetama = Options(Algorithm::ConsistentHash, std::vector<double>(200, 256), RingKind::Ketama);
  for (const Case& testCase :
       {Case{empty, "empty"}, Case{nanWeight, "NaN"}, Case{zeroWeight, "got 0"}, Case{negativeWeight, "got -1"},
        Case{badAddress, "numeric"}, Case{badTable, "prime"}, Case{hugeKetama, "maglev ring"}}) {
    Status status = Status::Ok();
    auto pool = Pool::Create(testCase.options, &status);
    CHECK(pool == nullptr);
    if (status.message().find(testCase.mentions) == std::string::npos) {
      Fail(__FILE__, __LINE__, "error \"" + status.message() + "\" should mention " + testCase.mentions);
    }
  }
  auto pool = MakePool(Options(Algorithm::RoundRobin, {1, 1}));
  CHECK(!pool->setWeight(0, NAN).ok());
  CHECK(!pool->setWeight(0, 0).ok());
  CHECK(!pool->setWeight(7, 1).ok());
  CHECK(!pool->setEffectiveWeight(0, 2).ok());
  CHECK(!pool->setState(-1, BackendState::Up).ok());
}

TEST(UpdateKeepsIndicesAndRetiresRemovedBackends) {
  auto pool = MakePool(Options(Algorithm::RoundRobin, {1, 1, 1}));
  int32_t held = pool->pick(nullptr, 0, Pool::kNoBackend);
  PoolOptions next = Options(Algorithm::LeastConnections, {1, 1, 1});
  next.backends.erase(next.backends.begin());
  next.backends.push_back({"[2001:db8::1]:443", 2});
  CHECK(pool->update(next).ok());
  CHECK_EQ(pool->size(), 4u);
  CHECK(!pool->isMember(0));
  CHECK(pool->backend(3).socketAddress.ss_family == AF_INET6);
  for (int pick = 0; pick < 100; ++pick) {
    int32_t index = pool->pick(nullptr, 0, Pool::kNoBackend);
    CHECK(index >= 1);
    pool->release(index, Outcome::Success);
  }
  pool->release(held, Outcome::Success);  // released after its backend left: still counted
  CHECK_EQ(pool->backend(held).activeConnections.load(), 0);
  CHECK_EQ(pool->activeTotal(), 0);
}

TEST(RegistryIsProcessWide) {
  PoolOptions options = Options(Algorithm::RoundRobin, {1});
  options.name = "registry-test";
  CHECK(CreatePool(options).ok());
  CHECK(!CreatePool(options).ok());
  auto pool = FindPool("registry-test");
  CHECK(pool != nullptr);
  CHECK(DestroyPool("registry-test"));
  CHECK(FindPool("registry-test") == nullptr);
  CHECK_EQ(pool->pick(nullptr, 0, Pool::kNoBackend), 0);  // a holder keeps using a destroyed pool
  pool->release(0, Outcome::Success);
}
