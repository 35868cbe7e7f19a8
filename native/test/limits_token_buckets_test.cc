// The token buckets behind rate limits: exact under threads (run under TSan), refilled at the rate, capped
// at the burst, and bounded to their capacity by forgetting the least recently used key.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "limits/token_buckets.h"

using fulcrum::limits::TokenBuckets;

TEST(TokenBucketsLetExactlyTheBurstThroughFromManyThreads) {
  TokenBuckets buckets(1000);
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int thread = 0; thread < 4; ++thread) {
    threads.emplace_back([&] {
      for (int attempt = 0; attempt < 1000; ++attempt) {
        // A rate of one token an hour: nothing refills while the threads race for the 250 there are.
        if (buckets.Take("route|shared", 1.0 / 3600, 250, 1'000'000) == 0) taken.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(taken.load() == 250);
}

TEST(TokenBucketsRefillAtTheRateAndSayHowLongToWait) {
  TokenBuckets buckets(100);
  CHECK(buckets.Take("k", 10, 2, 0) == 0);
  CHECK(buckets.Take("k", 10, 2, 0) == 0);
  const int64_t wait = buckets.Take("k", 10, 2, 0);
  CHECK(wait == 100'000);                            // one token at 10/s: 100 ms
  CHECK(buckets.Take("k", 10, 2, 100'000) == 0);     // refilled
  CHECK(buckets.Take("k", 10, 2, 10'000'000) == 0);  // a long rest fills up to the burst only
  CHECK(buckets.Take("k", 10, 2, 10'000'000) == 0);
  CHECK(buckets.Take("k", 10, 2, 10'000'000) > 0);
}

TEST(TokenBucketsForgetTheLeastRecentlyUsedKeyBeyondTheirCapacity) {
  TokenBuckets buckets(TokenBuckets::kShards);  // one key per shard
  for (int key = 0; key < 10'000; ++key) buckets.Take("ip|" + std::to_string(key), 1, 1, 0);
  CHECK(buckets.size() <= buckets.capacity());
  CHECK(buckets.capacity() == TokenBuckets::kShards);
}

TEST(TokenBucketsQueueCallersWithinTheDelayBoundAndRefuseBeyondIt) {
  TokenBuckets buckets(100);
  CHECK(buckets.Reserve("k", 10, 1, 0, 250'000).admitted);  // the burst's one token: at once
  TokenBuckets::Reservation second = buckets.Reserve("k", 10, 1, 0, 250'000);
  CHECK(second.admitted && second.waitUs == 100'000);  // the next token, promised 100 ms ahead
  TokenBuckets::Reservation third = buckets.Reserve("k", 10, 1, 0, 250'000);
  CHECK(third.admitted && third.waitUs == 200'000);  // queued behind the second
  TokenBuckets::Reservation fourth = buckets.Reserve("k", 10, 1, 0, 250'000);
  CHECK(!fourth.admitted && fourth.waitUs == 50'000);  // 300 ms away: past the bound; retry in 50 ms
  CHECK(buckets.Reserve("k", 10, 1, 50'000, 250'000).admitted);
}
