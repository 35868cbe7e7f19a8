// Token buckets shared by every thread of the process (L7 workers through N-API), so a rate limit is exact
// however many workers serve: N workers let through the configured count, not N times it. Keys are hashed
// to one of kShards shards, each a mutex, a map and an LRU list; the table holds at most `capacity` keys
// and forgets the least recently used one beyond that (a forgotten key starts again with a full bucket).
// Any thread may call Take; the registry of named tables is guarded by its own mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace fulcrum::limits {

class TokenBuckets {
 public:
  explicit TokenBuckets(size_t capacity);

  struct Reservation {
    bool admitted;
    // Admitted: how long the caller must wait before going on (0: at once). Refused: the microseconds until
    // a reservation within maxDelayUs will be possible (Retry-After).
    int64_t waitUs;
  };

  // Takes one token from `key`'s bucket (ratePerSecond refill, burst tokens at most, full when new). With
  // no token there, a token that will arrive within maxDelayUs is reserved: the bucket goes below zero and
  // the caller waits (NGINX limit_req's delay); later ones are refused and nothing is taken.
  Reservation Reserve(std::string_view key, double ratePerSecond, double burst, int64_t nowUs, int64_t maxDelayUs);

  // Reserve without waiting: 0 when a token was taken, else the microseconds until one will be there.
  int64_t Take(std::string_view key, double ratePerSecond, double burst, int64_t nowUs) {
    const Reservation reservation = Reserve(key, ratePerSecond, burst, nowUs, 0);
    return reservation.admitted ? 0 : reservation.waitUs;
  }

  size_t size() const;  // keys held now, across shards
  size_t capacity() const { return shardCapacity_ * kShards; }

  static constexpr size_t kShards = 64;
  // What one key costs: the map node, the LRU node and the key's bytes (up to ~64 here) with allocator slack.
  static constexpr size_t kApproxBytesPerKey = 256;

 private:
  struct Bucket {
    double tokens;
    int64_t updatedUs;
    std::list<std::string>::iterator recency;  // this key's place in the shard's LRU list
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
    std::list<std::string> recency;  // most recently used first
  };

  size_t shardCapacity_;
  Shard shards_[kShards];
};

// The process-wide table named `name`, created with `capacity` keys on first use (later capacities are ignored).
std::shared_ptr<TokenBuckets> OpenTokenBuckets(const std::string& name, size_t capacity);

}  // namespace fulcrum::limits
