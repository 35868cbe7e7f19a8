// `waf.load(key, directives)`: a JS handle onto a process-wide loaded rule set (waf_rules.h). The main
// thread loads each WAF config while validating it; each L7 worker then opens a handle of the same key on
// its own JS thread and gets the already loaded set. `inspect` runs a transaction on the calling JS thread.
// Built without libmodsecurity, the export is only `{ available: false }`.
#include "waf/waf_binding.h"

#ifdef FULCRUM_WAF
#include <memory>
#include <string>

#include "waf/waf_rules.h"
#endif

namespace fulcrum::waf {

#ifdef FULCRUM_WAF
namespace {

class RulesWrap : public Napi::ObjectWrap<RulesWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "WafRules", {InstanceMethod<&RulesWrap::Inspect>("inspect")});
  }

  explicit RulesWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RulesWrap>(info) {
    if (!info[0].IsString() || !info[1].IsString()) {
      Napi::TypeError::New(info.Env(), "waf.load(key, directives) takes two strings").ThrowAsJavaScriptException();
      return;
    }
    std::string error;
    rules_ = LoadRules(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value(), &error);
    if (!rules_) Napi::Error::New(info.Env(), error).ThrowAsJavaScriptException();
  }

 private:
  // inspect(clientAddress, method, uri, httpVersion, headers: string[] (name, value, ...), body: Buffer | null):
  // null when no rule matched, else { status (0: pass), rules: number[] }.
  Napi::Value Inspect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!rules_ || !info[0].IsString() || !info[1].IsString() || !info[2].IsString() || !info[3].IsString() ||
        !info[4].IsArray() || !(info[5].IsNull() || info[5].IsBuffer())) {
      Napi::TypeError::New(env,
                           "inspect(clientAddress, method, uri, httpVersion, headers, body) takes four strings, "
                           "a string array and a Buffer or null")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    RequestFacts request;
    request.clientAddress = info[0].As<Napi::String>().Utf8Value();
    request.method = info[1].As<Napi::String>().Utf8Value();
    request.uri = info[2].As<Napi::String>().Utf8Value();
    request.httpVersion = info[3].As<Napi::String>().Utf8Value();
    Napi::Array headers = info[4].As<Napi::Array>();
    const uint32_t count = headers.Length();
    request.headers.reserve(count);
    for (uint32_t index = 0; index < count; index++) {
      Napi::Value value = headers.Get(index);
      request.headers.push_back(value.IsString() ? value.As<Napi::String>().Utf8Value() : std::string());
    }
    if (info[5].IsBuffer()) {
      Napi::Buffer<unsigned char> body = info[5].As<Napi::Buffer<unsigned char>>();
      request.body = body.Data();
      request.bodyLength = body.Length();
    }
    const Verdict verdict = fulcrum::waf::Inspect(*rules_, request);
    if (verdict.status == 0 && verdict.ruleIds.empty()) return env.Null();
    Napi::Object result = Napi::Object::New(env);
    result.Set("status", Napi::Number::New(env, verdict.status));
    Napi::Array ids = Napi::Array::New(env, verdict.ruleIds.size());
    for (size_t index = 0; index < verdict.ruleIds.size(); index++) {
      ids.Set(static_cast<uint32_t>(index), Napi::Number::New(env, verdict.ruleIds[index]));
    }
    result.Set("rules", ids);
    return result;
  }

  std::shared_ptr<LoadedRules> rules_;
};

Napi::Value Load(const Napi::CallbackInfo& info) {
  Napi::FunctionReference* constructor = static_cast<Napi::FunctionReference*>(info.Data());
  return constructor->New({info[0], info[1]});
}

}  // namespace
#endif

void InitWafBinding(Napi::Env env, Napi::Object exports) {
  Napi::Object waf = Napi::Object::New(env);
#ifdef FULCRUM_WAF
  // One constructor per JS environment (each worker has its own), freed with it.
  auto* constructor = new Napi::FunctionReference(Napi::Persistent(RulesWrap::Define(env)));
  env.AddCleanupHook([constructor]() { delete constructor; });
  waf.Set("available", Napi::Boolean::New(env, true));
  waf.Set("version", Napi::String::New(env, EngineVersion()));
  waf.Set("load", Napi::Function::New(env, Load, "load", constructor));
#else
  waf.Set("available", Napi::Boolean::New(env, false));
#endif
  exports.Set("waf", waf);
}

}  // namespace fulcrum::waf
