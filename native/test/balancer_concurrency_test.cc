// Many threads pick and release on one pool while the control plane rebuilds it: counts stay exact (run under TSan).
#include <atomic>
#include <thread>

#include "balancer/registry.h"
#include "balancer_fixture.h"
#include "check.h"

using namespace fulcrum::balancer;
using namespace fulcrum::test;

namespace {

constexpr int kThreads = 4;
constexpr int kPicksPerThread = 20000;

// Each data-plane thread holds up to 8 picks at once so least-connections sees real load.
void PickAndRelease(Pool& pool, int seed, std::atomic<uint64_t>* picked) {
  std::vector<int32_t> held;
  for (int pick = 0; pick < kPicksPerThread; ++pick) {
    std::string key = "key-" + std::to_string((seed * 7919 + pick) % 1000);
    int32_t avoid = held.empty() ? Pool::kNoBackend : held.back();
    int32_t index = pick % 3 == 0 ? pool.pick(nullptr, 0, avoid) : PickKey(pool, key, avoid);
    if (index == Pool::kNoBackend) continue;
    picked->fetch_add(1);
    held.push_back(index);
    if (held.size() >= 8) {
      pool.recordLatency(held.front(), (seed + pick) % 50);  // least-latency reads these while others write
      pool.release(held.front(), pick % 10 ? Outcome::Success : Outcome::Timeout);
      held.erase(held.begin());
    }
  }
  for (int32_t index : held) pool.release(index, Outcome::Success);
}

}  // namespace

TEST(ConcurrentPicksStayExactWhileTheControlPlaneChurns) {
  for (Algorithm algorithm : {Algorithm::LeastConnections, Algorithm::WeightedLeastConnections, Algorithm::PowerOfTwo,
                              Algorithm::WeightedRoundRobin, Algorithm::ConsistentHash, Algorithm::LeastLatency}) {
    PoolOptions options = Options(algorithm, {1, 2, 3, 1, 2, 1});
    options.maglevTableSize = 4099;  // small prime: rebuilds stay cheap under TSan
    options.balanceFactor = algorithm == Algorithm::ConsistentHash ? 150 : 0;
    auto pool = MakePool(options);
    std::atomic<uint64_t> picked{0};
    std::atomic<bool> picking{true};
    std::thread control([&] {
      for (uint32_t round = 0; picking.load(); ++round) {
        (void)pool->setState(static_cast<int32_t>(round % 6), round % 2 ? BackendState::Draining : BackendState::Up);
        (void)pool->setWeight(static_cast<int32_t>(round % 5), 1 + round % 4);
        PoolOptions next = options;
        if (round % 3 == 0) next.backends.pop_back();  // backend 5 leaves and comes back
        (void)pool->update(next);
      }
    });
    std::vector<std::thread> pickers;
    for (int thread = 0; thread < kThreads; ++thread)
      pickers.emplace_back(PickAndRelease, std::ref(*pool), thread, &picked);
    for (std::thread& picker : pickers) picker.join();
    picking.store(false);
    control.join();

    uint64_t totalPicks = 0;
    for (int32_t index = 0; index < static_cast<int32_t>(pool->size()); ++index) {
      CHECK_EQ(pool->backend(index).activeConnections.load(), 0);
      totalPicks += pool->backend(index).totalPicks.load();
    }
    CHECK_EQ(totalPicks, picked.load());
    CHECK_EQ(pool->activeTotal(), 0);
  }
}

// Samples from many threads at once, with readers and a resetting control plane: the packed word never
// tears, so every read is "no samples" or a figure within the samples' range.
TEST(PeakEwmaUpdatesFromManyThreads) {
  auto pool = MakePool(Options(Algorithm::LeastLatency, {1, 1}));
  std::atomic<bool> running{true};
  std::atomic<int> outOfRange{0};
  std::thread control([&] {
    for (uint32_t round = 0; running.load(); ++round) {
      (void)pool->setState(1, round % 2 ? BackendState::Down : BackendState::Up);
      const double figure = pool->latencyEwmaMs(0);
      if (figure > 100) outOfRange.fetch_add(1);
    }
  });
  std::vector<std::thread> writers;
  for (int thread = 0; thread < kThreads; ++thread) {
    writers.emplace_back([&, thread] {
      for (int sample = 0; sample < kPicksPerThread; ++sample) {
        pool->recordLatency(sample % 2, 1 + (thread * 31 + sample) % 100);
        const double figure = pool->latencyEwmaMs(sample % 2);
        if (figure > 100 || (sample % 2 == 0 && figure < 0)) outOfRange.fetch_add(1);
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  running.store(false);
  control.join();
  CHECK_EQ(outOfRange.load(), 0);
  CHECK(pool->latencyEwmaMs(0) >= 1 && pool->latencyEwmaMs(0) <= 100);
}

TEST(FindPoolFromManyThreadsWhileDestroyed) {
  PoolOptions options = Options(Algorithm::RoundRobin, {1, 1});
  options.name = "concurrent-registry";
  CHECK(CreatePool(options).ok());
  std::vector<std::thread> users;
  for (int thread = 0; thread < kThreads; ++thread) {
    users.emplace_back([] {
      for (int round = 0; round < 2000; ++round) {
        std::shared_ptr<Pool> pool = FindPool("concurrent-registry");
        if (!pool) return;
        int32_t index = pool->pick(nullptr, 0, Pool::kNoBackend);
        pool->release(index, Outcome::Success);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(DestroyPool("concurrent-registry"));
  for (std::thread& user : users) user.join();
}
