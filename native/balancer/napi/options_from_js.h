// Reads PoolOptions from the plain JS object the TS face passes to createPool/updatePool.
#pragma once

#include <napi.h>

#include "balancer/pool_options.h"

namespace fulcrum::balancer {

// Checks shapes and types only (values are checked by ValidatePoolOptions). On a wrong shape it
// returns false with a JS exception pending.
bool ReadPoolOptions(Napi::Env env, Napi::Value value, PoolOptions* options);

}  // namespace fulcrum::balancer
