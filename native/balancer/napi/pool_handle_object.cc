// The per-pool JS functions; each runs on the JS thread that calls it and reaches the shared Pool.
#include "pool_handle_object.h"

#include <cmath>
#include <string>

#include "key_argument.h"
#include "snapshot_object.h"
#include "throw_error.h"

namespace fulcrum::balancer {

namespace {

constexpr size_t kMaxArguments = 3;
constexpr double kMaxSafeInteger = 9007199254740991.0;  // Number.MAX_SAFE_INTEGER

// The arguments and the PoolHandle of one call; pool is nullptr (and an error thrown) after teardown.
struct Call {
  size_t count = kMaxArguments;
  napi_value arguments[kMaxArguments];
  Pool* pool = nullptr;

  Call(napi_env env, napi_callback_info info) {
    void* data = nullptr;
    napi_get_cb_info(env, info, &count, arguments, nullptr, &data);
    pool = static_cast<PoolHandle*>(data)->pool.get();
    if (pool == nullptr) ThrowBalancerError(env, "this pool handle was closed when its JS environment ended");
  }
  napi_value argument(napi_env env, size_t position) const {
    napi_value value;
    if (position < count) return arguments[position];
    napi_get_undefined(env, &value);
    return value;
  }
};

// Reads an integer argument; throws (returns false) unless it is a number with an integral value.
bool ReadInteger(napi_env env, napi_value value, const char* what, int64_t* result) {
  double number = 0;
  if (napi_get_value_double(env, value, &number) != napi_ok || !std::isfinite(number) || std::trunc(number) != number ||
      std::fabs(number) > kMaxSafeInteger) {
    ThrowBalancerError(env, std::string(what) + " must be an integer number");
    return false;
  }
  *result = static_cast<int64_t>(number);
  return true;
}

bool CheckBackendIndex(napi_env env, const Pool& pool, int64_t number, int32_t* index) {
  if (number < 0 || number >= static_cast<int64_t>(pool.size())) {
    ThrowBalancerError(env, "pool \"" + pool.name() + "\" has no backend index " + std::to_string(number) +
                                " (valid: 0 to " + std::to_string(static_cast<int64_t>(pool.size()) - 1) + ")");
    return false;
  }
  *index = static_cast<int32_t>(number);
  return true;
}

bool ReadBackendIndex(napi_env env, const Pool& pool, napi_value value, int32_t* index) {
  int64_t number = 0;
  return ReadInteger(env, value, "backend index", &number) && CheckBackendIndex(env, pool, number, index);
}

napi_value ReportStatus(napi_env env, const Status& status) {
  if (!status.ok()) ThrowBalancerError(env, status.message());
  return nullptr;
}

// pick(key?, avoid?) -> index or -1. The hot path: no JS object is created.
napi_value Pick(napi_env env, napi_callback_info info) {
  Call call(env, info);
  if (call.pool == nullptr) return nullptr;
  KeyArgument key;
  if (!key.read(env, call.argument(env, 0))) return nullptr;
  int32_t avoid = Pool::kNoBackend;
  napi_value avoidValue = call.argument(env, 1);
  napi_valuetype avoidType;
  napi_typeof(env, avoidValue, &avoidType);
  if (avoidType != napi_undefined) {
    int64_t number = 0;
    if (!ReadInteger(env, avoidValue, "avoid", &number)) return nullptr;
    if (number != Pool::kNoBackend && !CheckBackendIndex(env, *call.pool, number, &avoid)) return nullptr;
  }
  napi_value result;
  napi_create_int32(env, call.pool->pick(key.data(), key.length(), avoid), &result);
  return result;
}

// pickPinned(index) -> index or -1: a pick of that backend only, for sticky sessions.
napi_value PickPinned(napi_env env, napi_callback_info info) {
  Call call(env, info);
  int32_t index = 0;
  if (call.pool == nullptr || !ReadBackendIndex(env, *call.pool, call.argument(env, 0), &index)) return nullptr;
  napi_value result;
  napi_create_int32(env, call.pool->pickPinned(index), &result);
  return result;
}

// Reads release's optional latency sample: undefined is none; anything else must be a non-negative number.
bool ReadLatencySample(napi_env env, napi_value value, double* latencyMs) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  if (type == napi_undefined) return true;
  if (napi_get_value_double(env, value, latencyMs) != napi_ok || !std::isfinite(*latencyMs) || *latencyMs < 0) {
    ThrowBalancerError(env, "latencyMs must be a non-negative number of milliseconds, or undefined for no sample");
    return false;
  }
  return true;
}

// release(index, outcome, latencyMs?): the exchange's latency sample rides on the release it ends with,
// so feeding least-latency costs no extra N-API crossing per request.
napi_value Release(napi_env env, napi_callback_info info) {
  Call call(env, info);
  if (call.pool == nullptr) return nullptr;
  int32_t index = 0;
  int64_t outcome = 0;
  if (!ReadBackendIndex(env, *call.pool, call.argument(env, 0), &index)) return nullptr;
  if (!ReadInteger(env, call.argument(env, 1), "outcome", &outcome)) return nullptr;
  if (outcome < 0 || outcome >= kOutcomeCount) {
    ThrowBalancerError(env, "outcome " + std::to_string(outcome) + " is not a known release outcome");
    return nullptr;
  }
  double latencyMs = -1;
  if (!ReadLatencySample(env, call.argument(env, 2), &latencyMs)) return nullptr;
  call.pool->recordLatency(index, latencyMs);
  if (call.pool->releaseChecked(index, static_cast<Outcome>(outcome)) == ReleaseResult::NotActive) {
    ThrowBalancerError(env, "backend " + std::to_string(index) + " of pool \"" + call.pool->name() +
                                "\" has no active connection to release (released twice?)");
  }
  return nullptr;
}

napi_value SetState(napi_env env, napi_callback_info info) {
  Call call(env, info);
  int32_t index = 0;
  int64_t state = 0;
  if (call.pool == nullptr || !ReadBackendIndex(env, *call.pool, call.argument(env, 0), &index) ||
      !ReadInteger(env, call.argument(env, 1), "state", &state)) {
    return nullptr;
  }
  if (state < 0 || state >= kBackendStateCount) {
    ThrowBalancerError(env, "state " + std::to_string(state) + " is not a backend state");
    return nullptr;
  }
  return ReportStatus(env, call.pool->setState(index, static_cast<BackendState>(state)));
}

template <Status (Pool::*Setter)(int32_t, double)>
napi_value SetWeightWith(napi_env env, napi_callback_info info) {
  Call call(env, info);
  int32_t index = 0;
  double weight = 0;
  if (call.pool == nullptr || !ReadBackendIndex(env, *call.pool, call.argument(env, 0), &index)) return nullptr;
  if (napi_get_value_double(env, call.argument(env, 1), &weight) != napi_ok) {
    ThrowBalancerError(env, "weight must be a number");
    return nullptr;
  }
  return ReportStatus(env, (call.pool->*Setter)(index, weight));
}

napi_value Address(napi_env env, napi_callback_info info) {
  Call call(env, info);
  int32_t index = 0;
  if (call.pool == nullptr || !ReadBackendIndex(env, *call.pool, call.argument(env, 0), &index)) return nullptr;
  const std::string& address = call.pool->backend(index).address;
  napi_value result;
  napi_create_string_utf8(env, address.data(), address.size(), &result);
  return result;
}

napi_value Snapshot(napi_env env, napi_callback_info info) {
  Call call(env, info);
  return call.pool == nullptr ? nullptr : NewSnapshotObject(env, *call.pool);
}

struct Method {
  const char* name;
  napi_callback callback;
};

constexpr Method kMethods[] = {
    {"pick", Pick},
    {"pickPinned", PickPinned},
    {"release", Release},
    {"setState", SetState},
    {"setWeight", SetWeightWith<&Pool::setWeight>},
    {"setEffectiveWeight", SetWeightWith<&Pool::setEffectiveWeight>},
    {"address", Address},
    {"snapshot", Snapshot},
};

}  // namespace

napi_value NewPoolHandleObject(napi_env env, const std::shared_ptr<EnvPools>& owner, std::shared_ptr<Pool> pool) {
  napi_value object;
  napi_create_object(env, &object);
  const std::string name = pool->name();
  PoolHandle* handle = AdoptHandle(env, owner, std::move(pool), object);
  if (handle == nullptr) {
    ThrowBalancerError(env, "could not attach a finalizer to the pool handle");
    return nullptr;
  }
  for (const Method& method : kMethods) {
    napi_value function;
    napi_create_function(env, method.name, NAPI_AUTO_LENGTH, method.callback, handle, &function);
    napi_set_named_property(env, object, method.name, function);
  }
  napi_value nameValue;
  napi_create_string_utf8(env, name.data(), name.size(), &nameValue);
  napi_set_named_property(env, object, "name", nameValue);
  return object;
}

}  // namespace fulcrum::balancer
