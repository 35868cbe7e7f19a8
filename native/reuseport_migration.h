// Lets a closing listener hand its queued connections to the rest of its SO_REUSEPORT group.
#pragma once

#include <napi.h>

namespace fulcrum {

void InitReuseportMigration(Napi::Env env, Napi::Object exports);

}  // namespace fulcrum
