// The process-wide registry of named pools, shared by every thread and every worker that loads the addon.
#pragma once

#include <string>
#include <string_view>

#include "pool.h"

namespace fulcrum::balancer {

// All calls are thread-safe (one mutex); none are on the pick path: callers keep the shared_ptr.
Status CreatePool(const PoolOptions& options);  // fails if the name is taken
Status UpdatePool(const PoolOptions& options);  // fails if the name is unknown
// Unregisters the name. Threads holding the Pool keep using it; it is freed with its last holder.
bool DestroyPool(std::string_view name);

}  // namespace fulcrum::balancer
