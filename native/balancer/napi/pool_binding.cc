// The balancer's JS exports. Init runs once per JS environment; the functions run on that environment's thread.
#include "pool_binding.h"

#include "balancer/registry.h"
#include "env_pools.h"
#include "options_from_js.h"
#include "pool_handle_object.h"
#include "throw_error.h"

namespace fulcrum::balancer {

namespace {

Napi::Value CreateOrUpdate(const Napi::CallbackInfo& info, Status (*apply)(const PoolOptions&)) {
  Napi::Env env = info.Env();
  PoolOptions options;
  if (!ReadPoolOptions(env, info[0], &options)) return env.Undefined();
  Status status = apply(options);
  if (!status.ok()) ThrowBalancerError(env, status.message());
  return env.Undefined();
}

Napi::Value CreatePoolFromJs(const Napi::CallbackInfo& info) { return CreateOrUpdate(info, CreatePool); }

Napi::Value UpdatePoolFromJs(const Napi::CallbackInfo& info) { return CreateOrUpdate(info, UpdatePool); }

bool ReadName(const Napi::CallbackInfo& info, std::string* name) {
  if (info[0].IsString()) {
    *name = info[0].As<Napi::String>().Utf8Value();
    return true;
  }
  ThrowBalancerError(info.Env(), "pool name must be a string");
  return false;
}

Napi::Value DestroyPoolFromJs(const Napi::CallbackInfo& info) {
  std::string name;
  if (!ReadName(info, &name)) return info.Env().Undefined();
  return Napi::Boolean::New(info.Env(), DestroyPool(name));
}

// openPool(name): the env's own handle onto the process-wide pool.
Napi::Value OpenPoolFromJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  if (!ReadName(info, &name)) return env.Undefined();
  std::shared_ptr<Pool> pool = FindPool(name);
  if (!pool) {
    ThrowBalancerError(env, "no pool named \"" + name + "\" in this process; createPool it first (on any thread)");
    return env.Undefined();
  }
  const auto& owner = *static_cast<std::shared_ptr<EnvPools>*>(info.Data());
  napi_value handle = NewPoolHandleObject(env, owner, std::move(pool));
  return handle == nullptr ? env.Undefined() : Napi::Value(env, handle);
}

}  // namespace

void InitPoolBinding(Napi::Env env, Napi::Object exports) {
  std::shared_ptr<EnvPools>* owner = EnvPools::Attach(env);  // lives until env's cleanup hook
  Napi::Object balancer = Napi::Object::New(env);
  balancer.Set("createPool", Napi::Function::New(env, CreatePoolFromJs, "createPool"));
  balancer.Set("updatePool", Napi::Function::New(env, UpdatePoolFromJs, "updatePool"));
  balancer.Set("destroyPool", Napi::Function::New(env, DestroyPoolFromJs, "destroyPool"));
  balancer.Set("openPool", Napi::Function::New(env, OpenPoolFromJs, "openPool", owner));
  exports.Set("balancer", balancer);
}

}  // namespace fulcrum::balancer
