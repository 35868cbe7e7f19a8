// Ends the process at once with an exit code, skipping Node's environment teardown.
#pragma once

#include <napi.h>

namespace fulcrum {

void InitProcessExit(Napi::Env env, Napi::Object exports);

}  // namespace fulcrum
