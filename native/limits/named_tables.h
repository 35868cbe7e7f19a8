// The process-wide registry of shared limit tables: every thread that opens the same name (an L7 worker
// through N-API, an L4 loop thread directly) gets the same table, which is what makes a limit exact across
// threads. One registry per table type, guarded by its own mutex; tables live as long as the process.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace fulcrum::limits {

// The table named `name`, created with `capacity` keys on first use (later capacities are ignored).
template <typename Table>
std::shared_ptr<Table> OpenNamedTable(const std::string& name, size_t capacity) {
  static std::mutex registryMutex;
  static std::unordered_map<std::string, std::shared_ptr<Table>> registry;
  std::lock_guard<std::mutex> lock(registryMutex);
  std::shared_ptr<Table>& table = registry[name];
  if (!table) table = std::make_shared<Table>(capacity);
  return table;
}

}  // namespace fulcrum::limits
