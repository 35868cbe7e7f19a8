// exitNow(code): _exit() for the main thread's "stop now" paths (a second SIGTERM). process.exit() would
// first tear down every worker thread, and Node aborts (exit 134) when a worker's loop still holds a
// uWS poll handle, which it does mid-drain; _exit() ends all threads with the code the docs promise.
#include "process_exit.h"

#include <unistd.h>

namespace fulcrum {

namespace {

Napi::Value ExitNow(const Napi::CallbackInfo& info) {
  int code = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 1;
  _exit(code);
}

}  // namespace

void InitProcessExit(Napi::Env env, Napi::Object exports) {
  exports.Set("exitNow", Napi::Function::New(env, ExitNow, "exitNow"));
}

}  // namespace fulcrum
