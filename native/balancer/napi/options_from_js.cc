// Runs on the JS thread creating or updating a pool.
#include "options_from_js.h"

#include <cmath>
#include <string>

#include "throw_error.h"

namespace fulcrum::balancer {

namespace {

bool Fail(Napi::Env env, const std::string& message) {
  ThrowBalancerError(env, message);
  return false;
}

// Optional non-negative integer field; absent or undefined leaves *result unchanged.
bool ReadCount(Napi::Env env, Napi::Object object, const char* field, uint32_t* result) {
  Napi::Value value = object.Get(field);
  if (value.IsUndefined()) return true;
  double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!std::isfinite(number) || number < 0 || number > 4294967295.0 || std::trunc(number) != number) {
    return Fail(env, std::string("pool option ") + field + " must be a non-negative integer");
  }
  *result = static_cast<uint32_t>(number);
  return true;
}

bool ReadBackends(Napi::Env env, Napi::Value value, std::vector<BackendOptions>* backends) {
  if (!value.IsArray()) return Fail(env, "pool option backends must be an array of { address, weight }");
  Napi::Array array = value.As<Napi::Array>();
  for (uint32_t position = 0; position < array.Length(); ++position) {
    Napi::Value entry = array.Get(position);
    const std::string where = "backends[" + std::to_string(position) + "]";
    if (!entry.IsObject()) return Fail(env, where + " must be an object { address, weight }");
    Napi::Object backend = entry.As<Napi::Object>();
    Napi::Value address = backend.Get("address");
    if (!address.IsString()) return Fail(env, where + ".address must be a string \"ip:port\"");
    Napi::Value weight = backend.Get("weight");
    if (!weight.IsUndefined() && !weight.IsNumber()) return Fail(env, where + ".weight must be a number");
    backends->push_back(
        {address.As<Napi::String>().Utf8Value(), weight.IsUndefined() ? 1.0 : weight.As<Napi::Number>().DoubleValue()});
  }
  return true;
}

}  // namespace

bool ReadPoolOptions(Napi::Env env, Napi::Value value, PoolOptions* options) {
  if (!value.IsObject()) return Fail(env, "pool options must be an object");
  Napi::Object object = value.As<Napi::Object>();
  Napi::Value name = object.Get("name");
  if (!name.IsString()) return Fail(env, "pool option name must be a string");
  options->name = name.As<Napi::String>().Utf8Value();

  Napi::Value algorithm = object.Get("algorithm");
  if (!algorithm.IsUndefined() &&
      (!algorithm.IsString() || !ParseAlgorithm(algorithm.As<Napi::String>().Utf8Value(), &options->algorithm))) {
    return Fail(env, "pool option algorithm must be one of " + AlgorithmNameList());
  }
  Napi::Value ringKind = object.Get("ringKind");
  if (!ringKind.IsUndefined() &&
      (!ringKind.IsString() || !ParseRingKind(ringKind.As<Napi::String>().Utf8Value(), &options->ringKind))) {
    return Fail(env, "pool option ringKind must be \"maglev\" or \"ketama\"");
  }
  if (!ReadCount(env, object, "maglevTableSize", &options->maglevTableSize)) return false;
  if (!ReadCount(env, object, "balanceFactor", &options->balanceFactor)) return false;
  if (!ReadCount(env, object, "latencyHalfLifeMs", &options->latencyHalfLifeMs)) return false;
  return ReadBackends(env, object.Get("backends"), &options->backends);
}

}  // namespace fulcrum::balancer
