// Exposes how the addon was built (compiler, N-API version) for `fulcrum --version` and bug reports.
#pragma once

#include <napi.h>

namespace fulcrum {

void InitBuildInfo(Napi::Env env, Napi::Object exports);

}  // namespace fulcrum
