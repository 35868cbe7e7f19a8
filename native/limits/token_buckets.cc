// See token_buckets.h. Every method may run on any thread; a shard's mutex guards its map and LRU list.
#include "limits/token_buckets.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace fulcrum::limits {

TokenBuckets::TokenBuckets(size_t capacity) : shardCapacity_(std::max<size_t>(1, (capacity + kShards - 1) / kShards)) {}

TokenBuckets::Reservation TokenBuckets::Reserve(std::string_view key, double ratePerSecond, double burst, int64_t nowUs,
                                                int64_t maxDelayUs) {
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto found = shard.buckets.find(std::string(key));
  if (found == shard.buckets.end()) {
    if (shard.buckets.size() >= shardCapacity_) {
      shard.buckets.erase(shard.recency.back());
      shard.recency.pop_back();
    }
    shard.recency.emplace_front(key);
    found = shard.buckets.emplace(std::string(key), Bucket{burst, nowUs, shard.recency.begin()}).first;
  } else {
    shard.recency.splice(shard.recency.begin(), shard.recency, found->second.recency);
  }
  Bucket& bucket = found->second;
  const double elapsedSeconds = static_cast<double>(std::max<int64_t>(0, nowUs - bucket.updatedUs)) / 1e6;
  bucket.tokens = std::min(burst, bucket.tokens + elapsedSeconds * ratePerSecond);
  bucket.updatedUs = nowUs;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return {true, 0};
  }
  const int64_t untilTokenUs = static_cast<int64_t>(std::ceil((1.0 - bucket.tokens) / ratePerSecond * 1e6));
  if (untilTokenUs <= maxDelayUs) {
    bucket.tokens -= 1.0;  // below zero: the token is promised to this caller, later ones queue behind it
    return {true, untilTokenUs};
  }
  return {false, untilTokenUs - maxDelayUs};
}

size_t TokenBuckets::size() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    total += shard.buckets.size();
  }
  return total;
}

std::shared_ptr<TokenBuckets> OpenTokenBuckets(const std::string& name, size_t capacity) {
  static std::mutex registryMutex;
  static std::unordered_map<std::string, std::shared_ptr<TokenBuckets>> registry;
  std::lock_guard<std::mutex> lock(registryMutex);
  std::shared_ptr<TokenBuckets>& table = registry[name];
  if (!table) table = std::make_shared<TokenBuckets>(capacity);
  return table;
}

}  // namespace fulcrum::limits
