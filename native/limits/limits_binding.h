// The rate limiter's JS exports (`rateLimits.open`); see limits_binding.cc.
#pragma once

#include <napi.h>

namespace fulcrum::limits {

void InitLimitsBinding(Napi::Env env, Napi::Object exports);

}  // namespace fulcrum::limits
