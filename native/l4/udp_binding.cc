// Exposes UDP listeners to JavaScript as `l4.UdpListener`. Every method runs on the JS thread; stats
// are read from atomics while the loop threads run, and drain() joins the threads on a libuv worker.
#include "l4/udp_binding.h"

#include <memory>
#include <string>
#include <vector>

#include "l4/udp_listener.h"

namespace fulcrum::l4 {

namespace {

// Every number is required: the defaults live in the settings schema, and the TypeScript wrapper
// always passes them, so a missing one is a bug to report, not a value to invent.
bool ReadOptions(const Napi::Object& object, UdpListenerOptions* options, std::string* missing) {
  if (object.Get("host").IsString()) options->host = object.Get("host").As<Napi::String>().Utf8Value();
  if (object.Get("poolName").IsString()) options->poolName = object.Get("poolName").As<Napi::String>().Utf8Value();
  uint32_t port = 0;
  std::pair<const char*, uint32_t*> numbers[] = {{"port", &port},
                                                 {"workers", &options->workers},
                                                 {"idleTimeoutMs", &options->idleTimeoutMs},
                                                 {"maxFlows", &options->maxFlows},
                                                 {"responses", &options->responses}};
  for (auto& [name, value] : numbers) {
    Napi::Value field = object.Get(name);
    if (!field.IsNumber()) {
      *missing = name;
      return false;
    }
    *value = field.As<Napi::Number>().Uint32Value();
  }
  options->port = static_cast<uint16_t>(port);
  options->perPacket = object.Get("perPacket").ToBoolean().Value();
  options->accessLog = object.Get("accessLog").ToBoolean().Value();
  return true;
}

// Joins the loop threads off the JS thread, then resolves with how many flows the deadline cut.
class UdpJoinWorker : public Napi::AsyncWorker {
 public:
  UdpJoinWorker(Napi::Env env, std::shared_ptr<UdpListener> listener)
      : Napi::AsyncWorker(env), listener_(std::move(listener)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override { listener_->Join(); }
  void OnOK() override {
    Napi::Object result = Napi::Object::New(Env());
    result.Set("forcedCloses", static_cast<double>(listener_->Sum(&UdpCounters::drainForcedCloses)));
    deferred_.Resolve(result);
  }

 private:
  std::shared_ptr<UdpListener> listener_;
  Napi::Promise::Deferred deferred_;
};

class UdpListenerWrap : public Napi::ObjectWrap<UdpListenerWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "UdpListener",
        {InstanceAccessor<&UdpListenerWrap::Port>("port"), InstanceAccessor<&UdpListenerWrap::Workers>("workers"),
         InstanceAccessor<&UdpListenerWrap::MaxFlows>("maxFlows"), InstanceMethod<&UdpListenerWrap::Stats>("stats"),
         InstanceMethod<&UdpListenerWrap::TakeEvents>("takeEvents"),
         InstanceMethod<&UdpListenerWrap::TakeAccessLog>("takeAccessLog"),
         InstanceMethod<&UdpListenerWrap::Drain>("drain")});
  }

  explicit UdpListenerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<UdpListenerWrap>(info) {
    if (!info[0].IsObject()) {
      Napi::TypeError::New(info.Env(), "l4.UdpListener expects an options object").ThrowAsJavaScriptException();
      return;
    }
    UdpListenerOptions options;
    std::string missing;
    if (!ReadOptions(info[0].As<Napi::Object>(), &options, &missing)) {
      Napi::TypeError::New(info.Env(), "l4.UdpListener option " + missing + " must be a number")
          .ThrowAsJavaScriptException();
      return;
    }
    ListenerError error;
    std::unique_ptr<UdpListener> listener = UdpListener::Create(options, balancer::FindPool(options.poolName), error);
    if (!listener) {
      Napi::Error failure = Napi::Error::New(info.Env(), error.message);
      failure.Set("code", Napi::String::New(info.Env(), error.code));
      failure.ThrowAsJavaScriptException();
      return;
    }
    listener_ = std::move(listener);
    listener_->Start();
  }

 private:
  Napi::Value Port(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), listener_ ? listener_->port() : 0);
  }
  Napi::Value Workers(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), listener_ ? listener_->workers() : 0);
  }
  Napi::Value MaxFlows(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), listener_ ? listener_->maxFlows() : 0);
  }

  void SetSum(Napi::Object& stats, const char* name, std::atomic<uint64_t> UdpCounters::*counter) {
    stats.Set(name, static_cast<double>(listener_->Sum(counter)));
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Object stats = Napi::Object::New(info.Env());
    if (!listener_) return stats;
    SetSum(stats, "datagramsIn", &UdpCounters::datagramsIn);
    SetSum(stats, "bytesIn", &UdpCounters::bytesIn);
    SetSum(stats, "datagramsOut", &UdpCounters::datagramsOut);
    SetSum(stats, "bytesOut", &UdpCounters::bytesOut);
    SetSum(stats, "backendDatagramsOut", &UdpCounters::backendDatagramsOut);
    SetSum(stats, "backendDatagramsIn", &UdpCounters::backendDatagramsIn);
    SetSum(stats, "flowsOpened", &UdpCounters::flowsOpened);
    SetSum(stats, "flowsClosed", &UdpCounters::flowsClosed);
    stats.Set("flowsActive", static_cast<double>(listener_->flowsActive()));
    SetSum(stats, "flowsRefused", &UdpCounters::flowsRefused);
    SetSum(stats, "drainDrops", &UdpCounters::drainDrops);
    SetSum(stats, "noBackend", &UdpCounters::noBackend);
    SetSum(stats, "timeouts", &UdpCounters::timeouts);
    SetSum(stats, "backendErrors", &UdpCounters::backendErrors);
    SetSum(stats, "sendErrors", &UdpCounters::sendErrors);
    SetSum(stats, "socketErrors", &UdpCounters::socketErrors);
    SetSum(stats, "emptyDatagrams", &UdpCounters::emptyDatagrams);
    SetSum(stats, "drainForcedCloses", &UdpCounters::drainForcedCloses);
    stats.Set("droppedEvents", static_cast<double>(listener_->log.dropped()));
    uint64_t droppedAccessRecords = 0;
    for (const auto& ring : listener_->accessLogs) droppedAccessRecords += ring->dropped();
    stats.Set("droppedAccessRecords", static_cast<double>(droppedAccessRecords));
    return stats;
  }

  Napi::Value TakeEvents(const Napi::CallbackInfo& info) {
    std::vector<std::string> messages = listener_ ? listener_->log.Take() : std::vector<std::string>();
    Napi::Array events = Napi::Array::New(info.Env(), messages.size());
    for (size_t index = 0; index < messages.size(); ++index) events.Set(static_cast<uint32_t>(index), messages[index]);
    return events;
  }

  // The flow records waiting in every loop's ring, copied into one ArrayBuffer of UdpFlowRecord
  // (src/l4/udp-access-log.ts decodes it): one copy and no per-record JS object on this side.
  Napi::Value TakeAccessLog(const Napi::CallbackInfo& info) {
    size_t waiting = 0;
    if (listener_) {
      for (const auto& ring : listener_->accessLogs) waiting += ring->size();
    }
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(info.Env(), waiting * sizeof(UdpFlowRecord));
    auto* records = static_cast<UdpFlowRecord*>(buffer.Data());
    size_t taken = 0;
    // Rings may have grown since they were counted; what does not fit waits for the next call.
    for (size_t ring = 0; listener_ && ring < listener_->accessLogs.size() && taken < waiting; ++ring) {
      taken += listener_->accessLogs[ring]->Take(records + taken, waiting - taken);
    }
    return buffer;
  }

  Napi::Value Drain(const Napi::CallbackInfo& info) {
    uint32_t deadlineMs = info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : 0;
    listener_->Drain(deadlineMs);
    auto* worker = new UdpJoinWorker(info.Env(), listener_);
    worker->Queue();
    return worker->promise();
  }

  std::shared_ptr<UdpListener> listener_;
};

}  // namespace

void InitUdpBinding(Napi::Env env, Napi::Object l4) { l4.Set("UdpListener", UdpListenerWrap::Define(env)); }

}  // namespace fulcrum::l4
