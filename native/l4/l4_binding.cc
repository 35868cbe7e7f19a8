// Exposes TCP listeners to JavaScript as `l4.Listener`. Every method runs on the JS thread; stats are
// read from atomics while the loop threads run, and drain() joins the threads on a libuv worker.
#include "l4/l4_binding.h"

#include <cstring>
#include <memory>
#include <string>

#include "l4/listener.h"
#include "l4/sockets.h"
#include "l4/udp_binding.h"

namespace fulcrum::l4 {

namespace {

// Every number is required: the defaults live in the settings schema (src/config/settings.ts) and
// src/l4/options.ts always passes them, so a missing one is a bug to report, not a value to invent.
bool ReadUint(const Napi::Object& object, const char* name, uint32_t* value, std::string* missing) {
  Napi::Value field = object.Get(name);
  if (!field.IsNumber()) {
    *missing = name;
    return false;
  }
  *value = field.As<Napi::Number>().Uint32Value();
  return true;
}

// accessRules: [{ allow, cidrs: [{ bytes: number[4 | 16], prefixLength }] }], in the config's order (no cidrs:
// every client). src/l4/options.ts builds it from parsed config; a malformed entry is a bug, named in `missing`.
bool ReadAccessRules(const Napi::Value& value, ConnectionGateOptions* gate, std::string* missing) {
  *missing = "accessRules";
  if (!value.IsArray()) return false;
  const Napi::Array rules = value.As<Napi::Array>();
  if (rules.Length() > 254) return false;  // the access log keeps the rule's index in one byte
  gate->ruleCount = rules.Length();
  for (uint32_t index = 0; index < rules.Length(); ++index) {
    if (!rules.Get(index).IsObject()) return false;
    const Napi::Object rule = rules.Get(index).As<Napi::Object>();
    const bool allow = rule.Get("allow").ToBoolean().Value();
    if (!rule.Get("cidrs").IsArray()) return false;
    const Napi::Array cidrs = rule.Get("cidrs").As<Napi::Array>();
    if (cidrs.Length() == 0) gate->addressRules.push_back({0, 0, {}, allow, static_cast<uint16_t>(index)});
    for (uint32_t cidr = 0; cidr < cidrs.Length(); ++cidr) {
      if (!cidrs.Get(cidr).IsObject()) return false;
      const Napi::Object block = cidrs.Get(cidr).As<Napi::Object>();
      if (!block.Get("bytes").IsArray() || !block.Get("prefixLength").IsNumber()) return false;
      const Napi::Array bytes = block.Get("bytes").As<Napi::Array>();
      const uint32_t prefixLength = block.Get("prefixLength").As<Napi::Number>().Uint32Value();
      if ((bytes.Length() != 4 && bytes.Length() != 16) || prefixLength > bytes.Length() * 8) return false;
      AddressRule entry{static_cast<uint8_t>(bytes.Length() == 4 ? 4 : 6),
                        static_cast<uint8_t>(prefixLength),
                        {},
                        allow,
                        static_cast<uint16_t>(index)};
      for (uint32_t byte = 0; byte < bytes.Length(); ++byte) {
        entry.bytes[byte] = static_cast<uint8_t>(bytes.Get(byte).ToNumber().Uint32Value());
      }
      gate->addressRules.push_back(entry);
    }
  }
  return true;
}

// connectionRate and connectionBurst (0: no rate limit), maxConnectionsPerIp (0: no cap).
bool ReadGate(const Napi::Object& object, ConnectionGateOptions* gate, std::string* missing) {
  if (!object.Get("connectionRate").IsNumber() || !object.Get("connectionBurst").IsNumber()) {
    *missing = "connectionRate/connectionBurst";
    return false;
  }
  gate->connectionRate = object.Get("connectionRate").As<Napi::Number>().DoubleValue();
  gate->connectionBurst = object.Get("connectionBurst").As<Napi::Number>().DoubleValue();
  if (!(gate->connectionRate >= 0) || (gate->connectionRate > 0 && !(gate->connectionBurst >= 1))) {
    *missing = "connectionRate/connectionBurst";
    return false;
  }
  return ReadUint(object, "maxConnectionsPerIp", &gate->maxConnectionsPerIp, missing) &&
         ReadAccessRules(object.Get("accessRules"), gate, missing);
}

// Fills `options` from the JS object; on a missing number returns false and names it in `missing`.
bool ReadOptions(const Napi::Object& object, ListenerOptions* options, std::string* missing) {
  if (object.Get("host").IsString()) options->host = object.Get("host").As<Napi::String>().Utf8Value();
  if (object.Get("poolName").IsString()) options->poolName = object.Get("poolName").As<Napi::String>().Utf8Value();
  uint32_t port = 0;
  uint32_t backlog = 0;
  uint32_t sendProxyProtocol = 0;
  if (!ReadUint(object, "port", &port, missing) || !ReadUint(object, "workers", &options->workers, missing) ||
      !ReadUint(object, "connectTimeoutMs", &options->connectTimeoutMs, missing) ||
      !ReadUint(object, "idleTimeoutMs", &options->idleTimeoutMs, missing) ||
      !ReadUint(object, "retries", &options->retries, missing) ||
      !ReadUint(object, "maxConnections", &options->maxConnections, missing) ||
      !ReadUint(object, "pipeSize", &options->pipeSize, missing) ||
      !ReadUint(object, "maxPipes", &options->maxPipes, missing) || !ReadUint(object, "backlog", &backlog, missing) ||
      !ReadUint(object, "sendProxyProtocol", &sendProxyProtocol, missing)) {
    return false;
  }
  options->port = static_cast<uint16_t>(port);
  options->backlog = static_cast<int>(backlog);
  options->sendProxyProtocol = static_cast<ProxyProtocolVersion>(sendProxyProtocol % 3);
  options->acceptProxyProtocol = object.Get("acceptProxyProtocol").ToBoolean().Value();
  options->accessLog = object.Get("accessLog").ToBoolean().Value();
  return ReadGate(object, &options->gate, missing);
}

void SetCount(Napi::Object& object, const char* name, const std::atomic<uint64_t>& counter) {
  object.Set(name, static_cast<double>(counter.load(std::memory_order_relaxed)));
}

void SetCount(Napi::Object& object, const char* name, const std::atomic<int64_t>& counter) {
  object.Set(name, static_cast<double>(counter.load(std::memory_order_relaxed)));
}

// Joins the loop threads off the JS thread, then resolves with how many connections the deadline cut.
class JoinWorker : public Napi::AsyncWorker {
 public:
  JoinWorker(Napi::Env env, std::shared_ptr<Listener> listener)
      : Napi::AsyncWorker(env), listener_(std::move(listener)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override { listener_->Join(); }
  void OnOK() override {
    Napi::Object result = Napi::Object::New(Env());
    SetCount(result, "forcedCloses", listener_->counters.drainForcedCloses);
    deferred_.Resolve(result);
  }

 private:
  std::shared_ptr<Listener> listener_;
  Napi::Promise::Deferred deferred_;
};

class ListenerWrap : public Napi::ObjectWrap<ListenerWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "Listener",
        {InstanceAccessor<&ListenerWrap::Port>("port"), InstanceAccessor<&ListenerWrap::Workers>("workers"),
         InstanceAccessor<&ListenerWrap::MaxConnections>("maxConnections"),
         InstanceMethod<&ListenerWrap::Stats>("stats"), InstanceMethod<&ListenerWrap::TakeEvents>("takeEvents"),
         InstanceMethod<&ListenerWrap::TakeAccessLog>("takeAccessLog"), InstanceMethod<&ListenerWrap::Drain>("drain")});
  }

  explicit ListenerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ListenerWrap>(info) {
    if (!info[0].IsObject()) {
      Napi::TypeError::New(info.Env(), "l4.Listener expects an options object").ThrowAsJavaScriptException();
      return;
    }
    ListenerOptions options;
    std::string missing;
    if (!ReadOptions(info[0].As<Napi::Object>(), &options, &missing)) {
      Napi::TypeError::New(info.Env(), "l4.Listener option " + missing + " is missing or malformed")
          .ThrowAsJavaScriptException();
      return;
    }
    ListenerError error;
    std::unique_ptr<Listener> listener = Listener::Create(options, balancer::FindPool(options.poolName), error);
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
  Napi::Value MaxConnections(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), listener_ ? listener_->maxConnections() : 0);
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object stats = Napi::Object::New(env);
    if (!listener_) return stats;
    const ListenerCounters& counters = listener_->counters;
    SetCount(stats, "accepted", counters.accepted);
    SetCount(stats, "activeConnections", counters.activeConnections);
    SetCount(stats, "acceptErrors", counters.acceptErrors);
    SetCount(stats, "acceptPausesForLimit", counters.acceptPausesForLimit);
    SetCount(stats, "noBackendAvailable", counters.noBackendAvailable);
    SetCount(stats, "socketErrors", counters.socketErrors);
    SetCount(stats, "descriptorReserveUses", counters.descriptorReserveUses);
    SetCount(stats, "clientResets", counters.clientResets);
    SetCount(stats, "idleTimeouts", counters.idleTimeouts);
    SetCount(stats, "proxyHeaderErrors", counters.proxyHeaderErrors);
    SetCount(stats, "drainForcedCloses", counters.drainForcedCloses);
    SetCount(stats, "pipesCreated", counters.pipesCreated);
    SetCount(stats, "pipesInUse", counters.pipesInUse);
    SetCount(stats, "copyFallbacks", counters.copyFallbacks);
    stats.Set("droppedEvents", static_cast<double>(listener_->log.dropped()));
    uint64_t droppedAccessRecords = 0;
    for (const auto& ring : listener_->accessLogs) droppedAccessRecords += ring->dropped();
    stats.Set("droppedAccessRecords", static_cast<double>(droppedAccessRecords));
    const ConnectionGate& gate = listener_->gate;
    Napi::Array allowedByRule = Napi::Array::New(env, gate.ruleCount());
    Napi::Array deniedByRule = Napi::Array::New(env, gate.ruleCount());
    for (uint32_t rule = 0; rule < gate.ruleCount(); ++rule) {
      allowedByRule.Set(rule, static_cast<double>(gate.allowedBy(rule)));
      deniedByRule.Set(rule, static_cast<double>(gate.deniedBy(rule)));
    }
    stats.Set("accessAllowedByRule", allowedByRule);
    stats.Set("accessDeniedByRule", deniedByRule);
    stats.Set("connectionsLimited", static_cast<double>(gate.limited()));
    stats.Set("connectionsCapped", static_cast<double>(gate.capped()));
    size_t backendCount = listener_->pool->size();
    Napi::Array backends = Napi::Array::New(env, backendCount);
    static const BackendCounters kUntouched;
    for (size_t index = 0; index < backendCount; ++index) {
      const BackendCounters* found = listener_->backendCounters.find(static_cast<int32_t>(index));
      const BackendCounters& backend = found ? *found : kUntouched;
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("index", static_cast<double>(index));
      entry.Set("address", listener_->pool->backend(static_cast<int32_t>(index)).address);
      entry.Set("id", listener_->pool->backend(static_cast<int32_t>(index)).id);
      SetCount(entry, "activeConnections", backend.activeConnections);
      SetCount(entry, "connectionsTotal", backend.connectionsTotal);
      SetCount(entry, "bytesClientToBackend", backend.bytesClientToBackend);
      SetCount(entry, "bytesBackendToClient", backend.bytesBackendToClient);
      SetCount(entry, "connectFailures", backend.connectFailures);
      SetCount(entry, "connectTimeouts", backend.connectTimeouts);
      SetCount(entry, "connectTimeSumUs", backend.connectTimeSumUs);
      SetCount(entry, "connectTimeCount", backend.connectTimeCount);
      SetCount(entry, "connectTimeMaxUs", backend.connectTimeMaxUs);
      SetCount(entry, "backendResets", backend.backendResets);
      backends.Set(static_cast<uint32_t>(index), entry);
    }
    stats.Set("backends", backends);
    return stats;
  }

  Napi::Value TakeEvents(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<std::string> messages = listener_ ? listener_->log.Take() : std::vector<std::string>();
    Napi::Array events = Napi::Array::New(env, messages.size());
    for (size_t index = 0; index < messages.size(); ++index) events.Set(static_cast<uint32_t>(index), messages[index]);
    return events;
  }

  // The access records waiting in every loop's ring, copied into one ArrayBuffer of AccessRecord
  // (src/l4/access-log.ts decodes it): one copy and no per-record JS object on this side.
  Napi::Value TakeAccessLog(const Napi::CallbackInfo& info) {
    size_t waiting = 0;
    if (listener_) {
      for (const auto& ring : listener_->accessLogs) waiting += ring->size();
    }
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(info.Env(), waiting * sizeof(AccessRecord));
    auto* records = static_cast<AccessRecord*>(buffer.Data());
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
    auto* worker = new JoinWorker(info.Env(), listener_);
    worker->Queue();
    return worker->promise();
  }

  std::shared_ptr<Listener> listener_;
};

// l4.probeListeningElsewhere(host, port): 0 when no socket listens on that numeric address, else the
// errno of a bind without SO_REUSEPORT (EADDRINUSE: another process listens there). Used once at start-up.
Napi::Value ProbeListeningElsewhereBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sockaddr_storage address{};
  socklen_t length = 0;
  if (!info[0].IsString() || !info[1].IsNumber() ||
      !ParseAddress(info[0].As<Napi::String>().Utf8Value(),
                    static_cast<uint16_t>(info[1].As<Napi::Number>().Uint32Value()), address, length)) {
    Napi::TypeError::New(env, "l4.probeListeningElsewhere expects a numeric IPv4 or IPv6 host and a port")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Number::New(env, -ProbeListeningElsewhere(address, length));
}

// l4.openReusePortListener(host, port, backlog): a non-blocking SO_REUSEPORT listening socket's fd, for an
// L7 worker's node:http front to adopt with server.listen({ fd }) (Node 20 has no reusePort option). Called on
// the worker's JS thread; the fd is the caller's from then on. Throws with the failing step and errno text.
Napi::Value OpenReusePortListenerBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sockaddr_storage address{};
  socklen_t length = 0;
  if (!info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber() ||
      !ParseAddress(info[0].As<Napi::String>().Utf8Value(),
                    static_cast<uint16_t>(info[1].As<Napi::Number>().Uint32Value()), address, length)) {
    Napi::TypeError::New(env, "l4.openReusePortListener expects a numeric IPv4 or IPv6 host, a port and a backlog")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const char* step = "";
  int fd = OpenReusePortListener(address, length, info[2].As<Napi::Number>().Int32Value(), step);
  if (fd < 0) {
    Napi::Error error = Napi::Error::New(env, std::string(step) + ": " + std::strerror(-fd));
    error.Set("errno", Napi::Number::New(env, -fd));
    error.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

}  // namespace

void InitL4Binding(Napi::Env env, Napi::Object exports) {
  Napi::Object l4 = Napi::Object::New(env);
  l4.Set("Listener", ListenerWrap::Define(env));
  l4.Set("probeListeningElsewhere",
         Napi::Function::New(env, ProbeListeningElsewhereBinding, "probeListeningElsewhere"));
  l4.Set("openReusePortListener", Napi::Function::New(env, OpenReusePortListenerBinding, "openReusePortListener"));
  InitUdpBinding(env, l4);
  exports.Set("l4", l4);
}

}  // namespace fulcrum::l4
