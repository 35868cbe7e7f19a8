// Registers the balancer's JS exports (createPool, openPool, ...) on the addon's exports object.
#pragma once

#include <napi.h>

namespace fulcrum::balancer {

// Called once per JS environment (main thread and each worker thread) that loads the addon.
void InitPoolBinding(Napi::Env env, Napi::Object exports);

}  // namespace fulcrum::balancer
