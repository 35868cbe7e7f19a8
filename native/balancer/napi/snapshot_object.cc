// Runs on the JS thread asking for stats.
#include "snapshot_object.h"

#include <string_view>

namespace fulcrum::balancer {

namespace {

void SetString(napi_env env, napi_value object, const char* name, std::string_view text) {
  napi_value value;
  napi_create_string_utf8(env, text.data(), text.size(), &value);
  napi_set_named_property(env, object, name, value);
}

void SetNumber(napi_env env, napi_value object, const char* name, double number) {
  napi_value value;
  napi_create_double(env, number, &value);
  napi_set_named_property(env, object, name, value);
}

void SetBoolean(napi_env env, napi_value object, const char* name, bool flag) {
  napi_value value;
  napi_get_boolean(env, flag, &value);
  napi_set_named_property(env, object, name, value);
}

void SetNumberOrNull(napi_env env, napi_value object, const char* name, double number, bool present) {
  napi_value value;
  if (present)
    napi_create_double(env, number, &value);
  else
    napi_get_null(env, &value);
  napi_set_named_property(env, object, name, value);
}

napi_value NewBackendObject(napi_env env, const Pool& pool, int32_t index) {
  const Backend& backend = pool.backend(index);
  napi_value object;
  napi_create_object(env, &object);
  SetNumber(env, object, "index", index);
  SetString(env, object, "address", backend.address);
  SetString(env, object, "id", backend.id);
  SetBoolean(env, object, "inPool", backend.inPool.load(std::memory_order_relaxed));
  SetNumber(env, object, "state", static_cast<double>(backend.state.load(std::memory_order_relaxed)));
  SetNumber(env, object, "weight", backend.weight.load(std::memory_order_relaxed));
  SetNumber(env, object, "effectiveWeight", backend.effectiveWeight.load(std::memory_order_relaxed));
  SetNumber(env, object, "activeConnections",
            static_cast<double>(backend.activeConnections.load(std::memory_order_relaxed)));
  SetNumber(env, object, "totalPicks", static_cast<double>(backend.totalPicks.load(std::memory_order_relaxed)));
  SetNumber(env, object, "failures", static_cast<double>(backend.failures.load(std::memory_order_relaxed)));
  SetNumber(env, object, "consecutiveFailures", backend.consecutiveFailures.load(std::memory_order_relaxed));
  const double ewmaMs = pool.latencyEwmaMs(index);
  SetNumberOrNull(env, object, "ewmaMs", ewmaMs, ewmaMs >= 0);
  return object;
}

}  // namespace

napi_value NewSnapshotObject(napi_env env, const Pool& pool) {
  const PoolOptions options = pool.options();
  napi_value object;
  napi_create_object(env, &object);
  SetString(env, object, "name", pool.name());
  SetString(env, object, "algorithm", AlgorithmName(options.algorithm));
  SetString(env, object, "ringKind", RingKindName(options.ringKind));
  SetNumber(env, object, "maglevTableSize", options.maglevTableSize);
  SetNumber(env, object, "balanceFactor", options.balanceFactor);
  SetNumber(env, object, "latencyHalfLifeMs", options.latencyHalfLifeMs);
  SetNumber(env, object, "activeTotal", static_cast<double>(pool.activeTotal()));
  const auto slotCount = static_cast<int32_t>(pool.size());
  napi_value backends;
  napi_create_array_with_length(env, static_cast<size_t>(slotCount), &backends);
  for (int32_t index = 0; index < slotCount; ++index) {
    napi_set_element(env, backends, static_cast<uint32_t>(index), NewBackendObject(env, pool, index));
  }
  napi_set_named_property(env, object, "backends", backends);
  return object;
}

}  // namespace fulcrum::balancer
