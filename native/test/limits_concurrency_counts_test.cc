// The concurrency counts behind connection caps: exact under threads (run under TSan), a key gone at 0,
// and a full table refusing new keys rather than forgetting open ones.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "limits/concurrency_counts.h"

using fulcrum::limits::ConcurrencyCounts;

TEST(ConcurrencyCountsNeverLetMoreThanMaxBeOpenAcrossThreads) {
  ConcurrencyCounts counts(1000);
  constexpr int kMax = 3;
  std::atomic<int> open{0};
  std::atomic<int> peak{0};
  std::atomic<int> acquired{0};
  std::vector<std::thread> threads;
  for (int thread = 0; thread < 6; ++thread) {
    threads.emplace_back([&] {
      for (int attempt = 0; attempt < 2000; ++attempt) {
        if (!counts.TryAcquire("ip|127.0.0.1", kMax)) continue;
        acquired.fetch_add(1);
        const int now = open.fetch_add(1) + 1;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        open.fetch_sub(1);
        counts.Release("ip|127.0.0.1");
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(peak.load() <= kMax);
  CHECK(acquired.load() > 0);
  CHECK(counts.CountOf("ip|127.0.0.1") == 0);
  CHECK(counts.size() == 0);
}

TEST(ConcurrencyCountsHoldExactlyMaxWhenNothingIsReleased) {
  ConcurrencyCounts counts(1000);
  std::atomic<int> acquired{0};
  std::vector<std::thread> threads;
  for (int thread = 0; thread < 4; ++thread) {
    threads.emplace_back([&] {
      for (int attempt = 0; attempt < 500; ++attempt) {
        if (counts.TryAcquire("route|api", 37)) acquired.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(acquired.load() == 37);
  CHECK(counts.CountOf("route|api") == 37);
}

TEST(ConcurrencyCountsDropAKeyAtZeroAndIgnoreAStrayRelease) {
  ConcurrencyCounts counts(100);
  CHECK(counts.TryAcquire("a", 2));
  CHECK(counts.TryAcquire("a", 2));
  CHECK(!counts.TryAcquire("a", 2));
  counts.Release("a");
  CHECK(counts.TryAcquire("a", 2));
  counts.Release("a");
  counts.Release("a");
  CHECK(counts.size() == 0);
  counts.Release("a");  // not held: no underflow, nothing created
  CHECK(counts.size() == 0);
  CHECK(!counts.TryAcquire("b", 0));
}

TEST(ConcurrencyCountsRefuseNewKeysWhenFullButKeepCountingHeldOnes) {
  ConcurrencyCounts counts(ConcurrencyCounts::kShards);  // one key per shard
  int admitted = 0;
  for (int key = 0; key < 10'000; ++key) admitted += counts.TryAcquire("ip|" + std::to_string(key), 5) ? 1 : 0;
  CHECK(counts.size() <= counts.capacity());
  CHECK(admitted == static_cast<int>(counts.size()));
  CHECK(counts.capacity() == ConcurrencyCounts::kShards);
  for (int key = 0; key < 10'000; ++key) {
    const std::string name = "ip|" + std::to_string(key);
    if (counts.CountOf(name) == 1) {
      CHECK(counts.TryAcquire(name, 5));  // a held key still counts up when its shard is full
      counts.Release(name);
      counts.Release(name);
      CHECK(counts.CountOf(name) == 0);
    }
  }
  CHECK(counts.size() == 0);
}
