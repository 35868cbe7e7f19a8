// Build facts are compile-time constants, so any thread may read them.
#include "build_info.h"

namespace fulcrum {

void InitBuildInfo(Napi::Env env, Napi::Object exports) {
  Napi::Object info = Napi::Object::New(env);
#if defined(__clang__)
  info.Set("compiler", Napi::String::New(env, "clang " __clang_version__));
#elif defined(__GNUC__)
  info.Set("compiler", Napi::String::New(env, "gcc " __VERSION__));
#else
  info.Set("compiler", Napi::String::New(env, "unknown"));
#endif
  info.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  info.Set("cppStandard", Napi::Number::New(env, static_cast<double>(__cplusplus)));
  exports.Set("buildInfo", info);
}

}  // namespace fulcrum
