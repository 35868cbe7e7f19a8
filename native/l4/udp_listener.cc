// A UDP listener: N loop threads sharing one pool, one set of counters and one flow cap.
#include "l4/udp_listener.h"

#include <sys/resource.h>

#include <cstring>
#include <string>

#include "l4/clock.h"
#include "l4/sockets.h"
#include "l4/udp_loop.h"
#include "l4/udp_sockets.h"

namespace fulcrum::l4 {

namespace {

// Each flow holds one descriptor; leave room under RLIMIT_NOFILE for Node itself and the rest.
uint32_t DefaultMaxFlows() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 100000;
  return static_cast<uint32_t>(limit.rlim_cur > 512 ? limit.rlim_cur - 256 : limit.rlim_cur / 2 + 1);
}

}  // namespace

UdpListener::UdpListener(const UdpListenerOptions& listenerOptions, std::shared_ptr<balancer::Pool> sharedPool)
    : options(listenerOptions), pool(std::move(sharedPool)) {}

std::unique_ptr<UdpListener> UdpListener::Create(const UdpListenerOptions& options,
                                                 std::shared_ptr<balancer::Pool> pool, ListenerError& error) {
  if (!pool) {
    error = {"POOL", "no balancer pool is named \"" + options.poolName + "\"; create it before the listener"};
    return nullptr;
  }
  sockaddr_storage address{};
  socklen_t addressLength = 0;
  if (!ParseAddress(options.host, options.port, address, addressLength)) {
    error = {"ADDRESS", "listen host \"" + options.host + "\" is not a numeric IPv4 or IPv6 address"};
    return nullptr;
  }
  std::unique_ptr<UdpListener> listener(new UdpListener(options, std::move(pool)));
  listener->maxFlows_ = options.maxFlows ? options.maxFlows : DefaultMaxFlows();
  listener->workers_ = options.workers ? options.workers : 1;
  for (uint32_t index = 0; index < listener->workers_; ++index) {
    const char* step = "";
    int fd = OpenReusePortDatagram(address, addressLength, step);
    if (fd < 0) {
      error = {"LISTEN", "cannot listen on " + options.host + ":" + std::to_string(options.port) + "/udp: " + step +
                             ": " + strerror(-fd)};
      return nullptr;
    }
    if (index == 0) {
      // Port 0 asks the kernel for a free port; the other loops' sockets must share that one.
      listener->port_ = BoundPort(fd);
      if (options.port == 0) ParseAddress(options.host, listener->port_, address, addressLength);
    }
    UdpCounters& counters = *listener->loopCounters_.emplace_back(std::make_unique<UdpCounters>());
    UdpAccessLogRing* accessLog = nullptr;
    if (options.accessLog) accessLog = listener->accessLogs.emplace_back(std::make_unique<UdpAccessLogRing>()).get();
    listener->loops_.push_back(std::make_unique<UdpLoop>(*listener, counters, fd, accessLog));
    int initError = 0;
    if (!listener->loops_.back()->Init(initError)) {
      error = {"SYSTEM", std::string("epoll/eventfd: ") + strerror(initError)};
      return nullptr;
    }
  }
  return listener;
}

UdpListener::~UdpListener() {
  if (!threads_.empty() && !joined_.load()) {
    Drain(0);
    Join();
  }
}

void UdpListener::Start() {
  for (auto& loop : loops_) threads_.emplace_back([&loop] { loop->Run(); });
}

void UdpListener::Drain(uint32_t deadlineMs) {
  if (drainRequested_.exchange(true)) return;
  int64_t deadlineAtMs = MonotonicMs() + deadlineMs;
  for (auto& loop : loops_) loop->RequestDrain(deadlineAtMs);
}

void UdpListener::Join() {
  // A second caller (drain after close, or the destructor) waits for the first join to finish.
  std::call_once(joinOnce_, [this] {
    for (auto& thread : threads_) thread.join();
    // No thread touches a loop any more, so its epoll, eventfd and batch buffers go now rather than
    // whenever JS collects the listener object.
    loops_.clear();
    joined_.store(true);
  });
}

bool UdpListener::TryReserveFlow() {
  int64_t current = flowsActive_.load(std::memory_order_relaxed);
  while (current < static_cast<int64_t>(maxFlows_)) {
    if (flowsActive_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed)) return true;
  }
  return false;
}

uint64_t UdpListener::Sum(std::atomic<uint64_t> UdpCounters::*counter) const {
  uint64_t total = 0;
  for (const auto& counters : loopCounters_) total += ((*counters).*counter).load(std::memory_order_relaxed);
  return total;
}

}  // namespace fulcrum::l4
