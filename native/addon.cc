// Module registration only: each part of the addon adds its exports here.
#include <napi.h>

#include "balancer/napi/pool_binding.h"
#include "build_info.h"
#include "l4/l4_binding.h"
#include "limits/limits_binding.h"
#include "process_exit.h"
#include "reuseport_migration.h"
#include "waf/waf_binding.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  fulcrum::InitBuildInfo(env, exports);
  fulcrum::balancer::InitPoolBinding(env, exports);
  fulcrum::l4::InitL4Binding(env, exports);
  fulcrum::limits::InitLimitsBinding(env, exports);
  fulcrum::InitProcessExit(env, exports);
  fulcrum::InitReuseportMigration(env, exports);
  fulcrum::waf::InitWafBinding(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(fulcrum, Init)
