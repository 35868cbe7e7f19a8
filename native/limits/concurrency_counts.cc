// See concurrency_counts.h. Every method may run on any thread; a shard's mutex guards its map.
#include "limits/concurrency_counts.h"

#include <algorithm>

namespace fulcrum::limits {

ConcurrencyCounts::ConcurrencyCounts(size_t capacity)
    : shardCapacity_(std::max<size_t>(1, (capacity + kShards - 1) / kShards)) {}

bool ConcurrencyCounts::TryAcquire(std::string_view key, uint32_t max) {
  if (max == 0) return false;
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto found = shard.counts.find(key);
  if (found == shard.counts.end()) {
    if (shard.counts.size() >= shardCapacity_) return false;
    shard.counts.emplace(std::string(key), 1);
    return true;
  }
  if (found->second >= max) return false;
  ++found->second;
  return true;
}

void ConcurrencyCounts::Release(std::string_view key) {
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto found = shard.counts.find(key);
  if (found == shard.counts.end()) return;
  if (--found->second == 0) shard.counts.erase(found);
}

uint32_t ConcurrencyCounts::CountOf(std::string_view key) const {
  const Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto found = shard.counts.find(key);
  return found == shard.counts.end() ? 0 : found->second;
}

size_t ConcurrencyCounts::size() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    total += shard.counts.size();
  }
  return total;
}

std::shared_ptr<ConcurrencyCounts> OpenConcurrencyCounts(const std::string& name, size_t capacity) {
  static std::mutex registryMutex;
  static std::unordered_map<std::string, std::shared_ptr<ConcurrencyCounts>> registry;
  std::lock_guard<std::mutex> lock(registryMutex);
  std::shared_ptr<ConcurrencyCounts>& table = registry[name];
  if (!table) table = std::make_shared<ConcurrencyCounts>(capacity);
  return table;
}

}  // namespace fulcrum::limits
