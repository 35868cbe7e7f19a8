// Counts of what is open now per key (connections per client IP, requests per route), shared by every thread
// of the process: L7 workers through N-API and the L4 loop threads directly, so a cap is exact however many
// threads serve. Keys are hashed to one of kShards shards, each a mutex and a map from key to count; a key
// is removed when its count returns to 0, so the table holds only keys with something open. It still has a
// hard capacity: when a key is new and its shard is full, TryAcquire refuses (as NGINX's limit_conn does
// when its zone is full) rather than forget a count that some open connection will release later.
// Any thread may call any method; the registry of named tables is guarded by its own mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace fulcrum::limits {

class ConcurrencyCounts {
 public:
  explicit ConcurrencyCounts(size_t capacity);

  // Counts one more open item under `key` when fewer than `max` are open (and the key fits): true. Else
  // nothing changes: false. Each true must be paired with one Release of the same key.
  bool TryAcquire(std::string_view key, uint32_t max);
  // Counts one item under `key` as closed; the key leaves the table at 0. A key not held is ignored.
  void Release(std::string_view key);

  uint32_t CountOf(std::string_view key) const;  // open under `key` now (0 when absent)
  size_t size() const;                           // keys held now, across shards
  size_t capacity() const { return shardCapacity_ * kShards; }

  static constexpr size_t kShards = 64;
  // What one key costs: the map node and the key's bytes (up to ~64 here) with allocator slack.
  static constexpr size_t kApproxBytesPerKey = 160;

 private:
  // Transparent hashing lets lookups take a string_view without building a std::string.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, uint32_t, KeyHash, std::equal_to<>> counts;
  };
  Shard& ShardOf(std::string_view key) { return shards_[KeyHash{}(key) % kShards]; }
  const Shard& ShardOf(std::string_view key) const { return shards_[KeyHash{}(key) % kShards]; }

  size_t shardCapacity_;
  Shard shards_[kShards];
};

// The process-wide table named `name`, created with `capacity` keys on first use (later capacities are ignored).
std::shared_ptr<ConcurrencyCounts> OpenConcurrencyCounts(const std::string& name, size_t capacity);

}  // namespace fulcrum::limits
