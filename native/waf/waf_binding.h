// The WAF's JS exports (`waf.available`, `waf.version`, `waf.load`); see waf_binding.cc.
#pragma once

#include <napi.h>

namespace fulcrum::waf {

void InitWafBinding(Napi::Env env, Napi::Object exports);

}  // namespace fulcrum::waf
