// Peak-EWMA math on an injected clock, and the least-latency picker's choices through the Pool API.
#include <cmath>
#include <cstdint>

#include "balancer/peak_ewma.h"
#include "balancer_fixture.h"
#include "check.h"

using namespace fulcrum::balancer;
using namespace fulcrum::test;

namespace {

bool Near(double actual, double expected) { return std::fabs(actual - expected) <= 1e-4 * std::max(1.0, expected); }

#define CHECK_NEAR(actual, expected)                                                                               \
  do {                                                                                                             \
    const double actualValue = (actual);                                                                           \
    if (!Near(actualValue, (expected))) {                                                                          \
      Fail(__FILE__, __LINE__, std::string(#actual " ~ " #expected " (got ") + std::to_string(actualValue) + ")"); \
    }                                                                                                              \
  } while (0)

// Picks and releases at once (no load), counting picks per backend.
std::vector<int> CountPicks(Pool& pool, int picks) {
  std::vector<int> counts(pool.size(), 0);
  for (int pick = 0; pick < picks; ++pick) {
    int32_t index = pool.pick(nullptr, 0, Pool::kNoBackend);
    ++counts[static_cast<size_t>(index)];
    pool.release(index, Outcome::Success);
  }
  return counts;
}

}  // namespace

TEST(PeakEwmaDecaysByHalfLives) {
  PeakEwma ewma;
  CHECK(ewma.read(0, 1000) < 0);  // no samples
  ewma.observe(10, 1000, 1000);
  CHECK_NEAR(ewma.read(1000, 1000), 10);
  CHECK_NEAR(ewma.read(2000, 1000), 5);     // one half-life later, towards zero
  CHECK_NEAR(ewma.read(4000, 1000), 1.25);  // three
  // A faster sample one half-life later: half the old figure plus half the sample.
  ewma.observe(2, 2000, 1000);
  CHECK_NEAR(ewma.read(2000, 1000), 6);
  // Many samples within the same millisecond weigh as nothing below the average: time, not count, weighs.
  for (int sample = 0; sample < 100; ++sample) ewma.observe(0, 2000, 1000);
  CHECK_NEAR(ewma.read(2000, 1000), 6);
}

TEST(PeakEwmaJumpsToASlowSampleAtOnce) {
  PeakEwma ewma;
  ewma.observe(1, 0, 10000);
  ewma.observe(250, 1, 10000);
  CHECK_NEAR(ewma.read(1, 10000), 250);
  // A sample above the decayed figure (not the stored one) is a peak too.
  ewma.observe(100, 20001, 10000);  // 250 decayed over two half-lives is 62.5
  CHECK_NEAR(ewma.read(20001, 10000), 100);
  ewma.reset();
  CHECK(ewma.read(20001, 10000) < 0);
}

TEST(PeakEwmaSurvivesTheClockWrapping) {
  PeakEwma ewma;
  ewma.observe(8, UINT32_MAX - 499, 1000);
  CHECK_NEAR(ewma.read(500, 1000), 4);               // 1000 ms later, past the wrap
  CHECK_NEAR(ewma.read(UINT32_MAX - 600, 1000), 8);  // a reader whose clock is behind the stamp: no decay
}

TEST(LeastLatencyAvoidsTheSlowBackend) {
  auto pool = MakePool(Options(Algorithm::LeastLatency, {1, 1, 1}));
  pool->recordLatency(0, 1);
  pool->recordLatency(1, 1);
  pool->recordLatency(2, 20);
  std::vector<int> counts = CountPicks(*pool, 3000);
  CHECK_EQ(counts[2], 0);  // it loses every pair it is drawn into
  CHECK(counts[0] > 1200 && counts[1] > 1200);
  CHECK(pool->latencyEwmaMs(2) > 19);
}

TEST(LeastLatencyWeighsLoadAgainstLatency) {
  auto pool = MakePool(Options(Algorithm::LeastLatency, {1, 1, 1}));
  pool->recordLatency(0, 1);
  pool->recordLatency(1, 1);
  pool->recordLatency(2, 4);
  // Held picks: the slow backend is taken once the fast ones have 4x its load.
  for (int pick = 0; pick < 90; ++pick) (void)pool->pick(nullptr, 0, Pool::kNoBackend);
  const int64_t slowActive = pool->backend(2).activeConnections.load();
  CHECK(slowActive >= 6 && slowActive <= 14);  // 90 held: about 40 + 40 + 10
  for (int32_t index = 0; index < 3; ++index) {
    while (pool->backend(index).activeConnections.load() > 0) pool->release(index, Outcome::Success);
  }
}

TEST(LeastLatencyWeighsWeights) {
  auto pool = MakePool(Options(Algorithm::LeastLatency, {3, 1}));
  pool->recordLatency(0, 5);
  pool->recordLatency(1, 5);
  for (int pick = 0; pick < 400; ++pick) (void)pool->pick(nullptr, 0, Pool::kNoBackend);
  const double share = static_cast<double>(pool->backend(0).activeConnections.load()) / 400;
  CHECK(share > 0.72 && share < 0.78);
  for (int32_t index = 0; index < 2; ++index) {
    while (pool->backend(index).activeConnections.load() > 0) pool->release(index, Outcome::Success);
  }
}

TEST(LeastLatencyTreatsAnUnsampledBackendAsAverage) {
  auto pool = MakePool(Options(Algorithm::LeastLatency, {1, 1, 1}));
  pool->recordLatency(0, 1);
  pool->recordLatency(1, 3);
  // c stands in at 2: it beats b (3) and loses to a (1), so it wins one pair in three. Taken as fastest it
  // would win two pairs in three, as slowest none.
  std::vector<int> counts = CountPicks(*pool, 6000);
  CHECK_EQ(counts[1], 0);
  CHECK(counts[2] > 1500 && counts[2] < 2500);
  CHECK(pool->latencyEwmaMs(2) < 0);
}

TEST(LeastLatencyWithoutSamplesBalancesLoad) {
  auto pool = MakePool(Options(Algorithm::LeastLatency, {1, 1, 1}));
  for (int pick = 0; pick < 300; ++pick) (void)pool->pick(nullptr, 0, Pool::kNoBackend);
  for (int32_t index = 0; index < 3; ++index) {
    const int64_t active = pool->backend(index).activeConnections.load();
    CHECK(active >= 90 && active <= 110);
    while (pool->backend(index).activeConnections.load() > 0) pool->release(index, Outcome::Success);
  }
}

TEST(ABackendGoingDownForgetsItsLatency) {
  auto pool = MakePool(Options(Algorithm::LeastLatency, {1, 1}));
  pool->recordLatency(0, 7);
  pool->recordLatency(1, 7);
  CHECK(pool->setState(0, BackendState::Draining).ok());
  CHECK(pool->latencyEwmaMs(0) > 6);  // draining still serves: its figure stays
  CHECK(pool->setState(0, BackendState::Down).ok());
  CHECK(pool->latencyEwmaMs(0) < 0);
  CHECK(pool->setState(0, BackendState::Up).ok());
  CHECK(pool->latencyEwmaMs(0) < 0);
  CHECK(pool->latencyEwmaMs(1) > 6);
  pool->recordLatency(1, -1);   // no sample
  pool->recordLatency(99, 50);  // unknown index: ignored
  CHECK(pool->latencyEwmaMs(1) > 6 && pool->latencyEwmaMs(1) < 8);
}

TEST(LatencyHalfLifeIsValidated) {
  PoolOptions options = Options(Algorithm::LeastLatency, {1});
  options.latencyHalfLifeMs = 0;
  CHECK(!ValidatePoolOptions(options).ok());
  options.latencyHalfLifeMs = kMaxLatencyHalfLifeMs + 1;
  CHECK(!ValidatePoolOptions(options).ok());
  options.latencyHalfLifeMs = 250;
  CHECK(ValidatePoolOptions(options).ok());
}
