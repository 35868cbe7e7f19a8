// The registry lives for the whole process: it is never destroyed, so a native thread still running
// during exit (after static destructors) cannot touch a freed map.
#include "registry.h"

#include <map>
#include <mutex>

namespace fulcrum::balancer {

namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<Pool>, std::less<>> pools;
};

Registry& TheRegistry() {
  static Registry* registry = new Registry();  // deliberately leaked, see above
  return *registry;
}

}  // namespace

Status CreatePool(const PoolOptions& options) {
  Status status = Status::Ok();
  std::shared_ptr<Pool> pool = Pool::Create(options, &status);
  if (!pool) return status;
  Registry& registry = TheRegistry();
  std::lock_guard lock(registry.mutex);
  if (!registry.pools.emplace(options.name, std::move(pool)).second) {
    return Status::Error("a pool named \"" + options.name + "\" already exists; use updatePool to change it");
  }
  return Status::Ok();
}

Status UpdatePool(const PoolOptions& options) {
  std::shared_ptr<Pool> pool = FindPool(options.name);
  if (!pool) return Status::Error("no pool named \"" + options.name + "\"; create it first");
  return pool->update(options);
}

bool DestroyPool(std::string_view name) {
  Registry& registry = TheRegistry();
  std::lock_guard lock(registry.mutex);
  auto found = registry.pools.find(name);
  if (found == registry.pools.end()) return false;
  registry.pools.erase(found);
  return true;
}

std::shared_ptr<Pool> FindPool(std::string_view name) {
  Registry& registry = TheRegistry();
  std::lock_guard lock(registry.mutex);
  auto found = registry.pools.find(name);
  return found == registry.pools.end() ? nullptr : found->second;
}

}  // namespace fulcrum::balancer
