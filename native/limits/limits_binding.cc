// `rateLimits.open(name, capacity)`: a JS handle onto a process-wide token-bucket table. Each L7 worker
// opens its own handle on its own JS thread; every handle of one name reaches the same table, so the
// buckets are exact across workers. The methods run on the calling JS thread and lock one shard.
#include "limits/limits_binding.h"

#include <time.h>

#include <memory>
#include <string>

#include "limits/token_buckets.h"

namespace fulcrum::limits {

namespace {

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
  // take(key, ratePerSecond, burst, maxDelayMs): admitted when >= 0, after that many milliseconds (0: at
  // once); refused when < 0, a token within maxDelayMs being -result milliseconds away. One number, so a
  // request costs no object allocation.
  Napi::Value Take(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!table_ || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsNumber()) {
      Napi::TypeError::New(env, "take(key, ratePerSecond, burst, maxDelayMs) takes a string and three numbers")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const double rate = info[1].As<Napi::Number>().DoubleValue();
    const double burst = info[2].As<Napi::Number>().DoubleValue();
    const double maxDelayMs = info[3].As<Napi::Number>().DoubleValue();
    if (!(rate > 0) || !(burst >= 1) || !(maxDelayMs >= 0)) {
      Napi::RangeError::New(env, "take needs a rate above 0, a burst of at least 1 and a delay of 0 or more")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const TokenBuckets::Reservation reservation = table_->Reserve(
        info[0].As<Napi::String>().Utf8Value(), rate, burst, MonotonicUs(), static_cast<int64_t>(maxDelayMs * 1000));
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
}

}  // namespace fulcrum::limits
