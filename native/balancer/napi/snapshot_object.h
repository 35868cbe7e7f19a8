// Turns a Pool's configuration and live counters into a plain JS object for stats (not on the pick path).
#pragma once

#include <node_api.h>

#include "balancer/pool.h"

namespace fulcrum::balancer {

// Counters are read one by one with relaxed loads, so the figures are each exact but not one instant.
napi_value NewSnapshotObject(napi_env env, const Pool& pool);

}  // namespace fulcrum::balancer
