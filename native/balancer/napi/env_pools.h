// Per-JS-environment bookkeeping of the pool handles that environment opened, and their teardown.
#pragma once

#include <node_api.h>

#include <memory>
#include <unordered_set>

#include "balancer/pool.h"

namespace fulcrum::balancer {

struct EnvPools;

// What a JS pool object's functions carry as their data pointer. Touched only by the JS thread of
// the environment that opened it. pool is reset when that environment is torn down.
struct PoolHandle {
  std::shared_ptr<Pool> pool;
  std::shared_ptr<EnvPools> owner;
};

// One per environment (main thread, each worker). The env cleanup hook drops every handle's Pool
// reference when the environment ends, so a worker that exits stops holding pools even if its
// objects' finalizers run late; the finalizers then only free the small handle structs. Shared
// ownership (handles + hook) lets whichever of the two runs last free this struct.
struct EnvPools {
  std::unordered_set<PoolHandle*> live;

  // Creates env's instance and registers its cleanup hook. The returned holder belongs to that hook,
  // which deletes it at env teardown, after the last JS call of env; until then it may be used.
  static std::shared_ptr<EnvPools>* Attach(napi_env env);
};

// Creates a handle for pool and ties its lifetime to jsObject (freed by the object's finalizer).
// Returns nullptr with a JS exception pending if the finalizer could not be attached.
PoolHandle* AdoptHandle(napi_env env, const std::shared_ptr<EnvPools>& owner, std::shared_ptr<Pool> pool,
                        napi_value jsObject);

}  // namespace fulcrum::balancer
