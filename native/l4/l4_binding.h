// Exposes TCP listeners to JavaScript as `l4.Listener`; see src/native/addon-types.ts for the shape.
#pragma once

#include <napi.h>

namespace fulcrum::l4 {

void InitL4Binding(Napi::Env env, Napi::Object exports);

}  // namespace fulcrum::l4
