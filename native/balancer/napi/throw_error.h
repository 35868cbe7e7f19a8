// Throws a JS Error with code FULCRUM_ERR_BALANCER, the code src/errors.ts gives balancer errors.
#pragma once

#include <node_api.h>

#include <string>

namespace fulcrum::balancer {

inline void ThrowBalancerError(napi_env env, const std::string& message) {
  napi_throw_error(env, "FULCRUM_ERR_BALANCER", message.c_str());
}

}  // namespace fulcrum::balancer
