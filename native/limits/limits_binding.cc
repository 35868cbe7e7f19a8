// `rateLimits.open(name, capacity)` and `concurrency.open(name, capacity)`: JS handles onto a process-wide
// token-bucket table and a process-wide concurrency-count table. Each L7 worker opens its own handle on its
// own JS thread; every handle of one name reaches the same table (and the L4 loop threads reach it directly),
// so limits and caps are exact across workers. The methods run on the calling JS thread and lock one shard.
#include "limits/limits_binding.h"

#include <time.h>

#include <cstdint>
#include <memory>
#include <string>

#include "limits/concurrency_counts.h"
#include "limits/token_buckets.h"

namespace fulcrum::limits {

namespace {

// Appends a JS string's UTF-8 bytes to `out` (the caller checked it is a string).
void AppendUtf8(napi_env env, napi_value value, std::string& out) {
  size_t length = 0;
  napi_get_value_string_utf8(env, value, nullptr, 0, &length);
  const size_t start = out.size();
  out.resize(start + length + 1);  // room for the terminating NUL N-API writes
  napi_get_value_string_utf8(env, value, out.data() + start, length + 1, &length);
  out.resize(start + length);
}

int64_t MonotonicUs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
}

class TokenBucketsWrap : public Napi::ObjectWrap<TokenBucketsWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "TokenBuckets",
        {InstanceMethod<&TokenBucketsWrap::Take>("take"), InstanceMethod<&TokenBucketsWrap::Size>("size"),
         InstanceMethod<&TokenBucketsWrap::Capacity>("capacity")});
  }

  explicit TokenBucketsWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TokenBucketsWrap>(info) {
    if (!info[0].IsString() || !info[1].IsNumber() || info[1].As<Napi::Number>().DoubleValue() < 1) {
      Napi::TypeError::New(info.Env(),
                           "rateLimits.open(name, capacity) takes a table name and a capacity of at least 1")
          .ThrowAsJavaScriptException();
      return;
    }
    table_ = OpenTokenBuckets(info[0].As<Napi::String>().Utf8Value(),
                              static_cast<size_t>(info[1].As<Napi::Number>().DoubleValue()));
  }

 private:
  // take(scope, key, ratePerSecond, burst, maxDelayMs): admitted when >= 0, after that many milliseconds (0:
  // at once); refused when < 0, a token within maxDelayMs being -result milliseconds away. The bucket is
  // "scope|key", joined here: a string joined in JavaScript would be flattened and copied once more. One
  // number comes back, so a request costs no object allocation.
  Napi::Value Take(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!table_ || !info[0].IsString() || !info[1].IsString() || !info[2].IsNumber() || !info[3].IsNumber() ||
        !info[4].IsNumber()) {
      Napi::TypeError::New(env,
                           "take(scope, key, ratePerSecond, burst, maxDelayMs) takes two strings and three numbers")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const double rate = info[2].As<Napi::Number>().DoubleValue();
    const double burst = info[3].As<Napi::Number>().DoubleValue();
    const double maxDelayMs = info[4].As<Napi::Number>().DoubleValue();
    if (!(rate > 0) || !(burst >= 1) || !(maxDelayMs >= 0)) {
      Napi::RangeError::New(env, "take needs a rate above 0, a burst of at least 1 and a delay of 0 or more")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    // Reused by every call on this JS thread: no allocation once it has grown to the longest key.
    thread_local std::string key;
    key.clear();
    AppendUtf8(env, info[0], key);
    key.push_back('|');
    AppendUtf8(env, info[1], key);
    const TokenBuckets::Reservation reservation =
        table_->Reserve(key, rate, burst, MonotonicUs(), static_cast<int64_t>(maxDelayMs * 1000));
    const double waitMs = static_cast<double>(reservation.waitUs) / 1000.0;
    return Napi::Number::New(env, reservation.admitted ? waitMs : -waitMs);
  }

  Napi::Value Size(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), table_ ? static_cast<double>(table_->size()) : 0);
  }

  Napi::Value Capacity(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), table_ ? static_cast<double>(table_->capacity()) : 0);
  }

  std::shared_ptr<TokenBuckets> table_;
};

class ConcurrencyCountsWrap : public Napi::ObjectWrap<ConcurrencyCountsWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ConcurrencyCounts",
                       {InstanceMethod<&ConcurrencyCountsWrap::TryAcquire>("tryAcquire"),
                        InstanceMethod<&ConcurrencyCountsWrap::Release>("release"),
                        InstanceMethod<&ConcurrencyCountsWrap::Size>("size")});
  }

  explicit ConcurrencyCountsWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ConcurrencyCountsWrap>(info) {
    if (!info[0].IsString() || !info[1].IsNumber() || info[1].As<Napi::Number>().DoubleValue() < 1) {
      Napi::TypeError::New(info.Env(),
                           "concurrency.open(name, capacity) takes a table name and a capacity of at least 1")
          .ThrowAsJavaScriptException();
      return;
    }
    table_ = OpenConcurrencyCounts(info[0].As<Napi::String>().Utf8Value(),
                                   static_cast<size_t>(info[1].As<Napi::Number>().DoubleValue()));
  }

 private:
  // tryAcquire(key, max): true when one more is now counted under key (fewer than max were open), else false
  // (also when the key is new and the table is full). Each true must be paired with one release(key).
  Napi::Value TryAcquire(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!table_ || !info[0].IsString() || !info[1].IsNumber()) {
      Napi::TypeError::New(env, "tryAcquire(key, max) takes a string and a number").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const double max = info[1].As<Napi::Number>().DoubleValue();
    if (!(max >= 0) || max > UINT32_MAX) {
      Napi::RangeError::New(env, "tryAcquire needs a max from 0 to 2^32-1").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return Napi::Boolean::New(env,
                              table_->TryAcquire(info[0].As<Napi::String>().Utf8Value(), static_cast<uint32_t>(max)));
  }

  Napi::Value Release(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!table_ || !info[0].IsString()) {
      Napi::TypeError::New(env, "release(key) takes a string").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    table_->Release(info[0].As<Napi::String>().Utf8Value());
    return env.Undefined();
  }

  Napi::Value Size(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), table_ ? static_cast<double>(table_->size()) : 0);
  }

  std::shared_ptr<ConcurrencyCounts> table_;
};

Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::FunctionReference* constructor = static_cast<Napi::FunctionReference*>(info.Data());
  return constructor->New({info[0], info[1]});
}

}  // namespace

void InitLimitsBinding(Napi::Env env, Napi::Object exports) {
  // One constructor per JS environment (each worker has its own), freed with it.
  auto* constructor = new Napi::FunctionReference(Napi::Persistent(TokenBucketsWrap::Define(env)));
  env.AddCleanupHook([constructor]() { delete constructor; });
  Napi::Object rateLimits = Napi::Object::New(env);
  rateLimits.Set("open", Napi::Function::New(env, Open, "open", constructor));
  exports.Set("rateLimits", rateLimits);

  auto* concurrencyConstructor = new Napi::FunctionReference(Napi::Persistent(ConcurrencyCountsWrap::Define(env)));
  env.AddCleanupHook([concurrencyConstructor]() { delete concurrencyConstructor; });
  Napi::Object concurrency = Napi::Object::New(env);
  concurrency.Set("open", Napi::Function::New(env, Open, "open", concurrencyConstructor));
  exports.Set("concurrency", concurrency);
}

}  // namespace fulcrum::limits
