// Runs on the environment's own JS thread: during calls, in finalizers, and in its cleanup hook.
#include "env_pools.h"

namespace fulcrum::balancer {

namespace {

void DropPoolsAtEnvCleanup(void* data) {
  auto* holder = static_cast<std::shared_ptr<EnvPools>*>(data);
  for (PoolHandle* handle : (*holder)->live) handle->pool.reset();
  delete holder;
}

void FinalizeHandle(napi_env, void* data, void*) {
  auto* handle = static_cast<PoolHandle*>(data);
  handle->owner->live.erase(handle);
  delete handle;
}

}  // namespace

std::shared_ptr<EnvPools>* EnvPools::Attach(napi_env env) {
  auto* holder = new std::shared_ptr<EnvPools>(std::make_shared<EnvPools>());
  napi_add_env_cleanup_hook(env, DropPoolsAtEnvCleanup, holder);
  return holder;
}

PoolHandle* AdoptHandle(napi_env env, const std::shared_ptr<EnvPools>& owner, std::shared_ptr<Pool> pool,
                        napi_value jsObject) {
  auto* handle = new PoolHandle{std::move(pool), owner};
  if (napi_add_finalizer(env, jsObject, handle, FinalizeHandle, nullptr, nullptr) != napi_ok) {
    delete handle;
    return nullptr;
  }
  owner->live.insert(handle);
  return handle;
}

}  // namespace fulcrum::balancer
