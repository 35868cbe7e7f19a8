// Builds the JS object a pool is used through: pick, release, setState, setWeight, snapshot, ...
#pragma once

#include <node_api.h>

#include "env_pools.h"

namespace fulcrum::balancer {

// Returns nullptr with a JS exception pending on failure. Each function carries the PoolHandle as
// its data pointer, so a pick reaches the Pool without unwrapping an object.
napi_value NewPoolHandleObject(napi_env env, const std::shared_ptr<EnvPools>& owner, std::shared_ptr<Pool> pool);

}  // namespace fulcrum::balancer
