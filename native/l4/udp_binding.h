// Exposes UDP listeners to JavaScript as `l4.UdpListener`; see src/native/addon-types.ts for the shape.
#pragma once

#include <napi.h>

namespace fulcrum::l4 {

void InitUdpBinding(Napi::Env env, Napi::Object l4);  // adds UdpListener to the `l4` object

}  // namespace fulcrum::l4
