// A TCP listener: N event-loop threads sharing one pool, one set of counters and one connection limit.
#include "l4/listener.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "l4/clock.h"
#include "l4/event_loop.h"
#include "l4/sockets.h"

namespace fulcrum::l4 {

namespace {

// Leaves room under RLIMIT_NOFILE for Node itself, pipes and the backend side of each connection.
uint32_t DefaultMaxConnections() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 100000;
  uint64_t available = limit.rlim_cur > 512 ? limit.rlim_cur - 256 : limit.rlim_cur / 2;
  return static_cast<uint32_t>(available / 2 > 0 ? available / 2 : 1);
}

std::string Describe(const char* step, int error) { return std::string(step) + ": " + strerror(error); }

}  // namespace

Listener::Listener(const ListenerOptions& listenerOptions, std::shared_ptr<balancer::Pool> sharedPool)
    : options(listenerOptions), pool(std::move(sharedPool)), gate(listenerOptions.gate) {}

std::unique_ptr<Listener> Listener::Create(const ListenerOptions& options, std::shared_ptr<balancer::Pool> pool,
                                           ListenerError& error) {
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
  std::unique_ptr<Listener> listener(new Listener(options, std::move(pool)));
  listener->maxConnections_ = options.maxConnections ? options.maxConnections : DefaultMaxConnections();
  uint32_t workers = options.workers ? options.workers : 1;
  listener->workers_ = workers;
  uint32_t maxPipes = options.maxPipes ? options.maxPipes : listener->maxConnections_ / 4 + workers * 16;
  uint32_t pipesPerLoop = (maxPipes + workers - 1) / workers;
  for (uint32_t index = 0; index < workers; ++index) {
    const char* step = "";
    int fd = OpenReusePortListener(address, addressLength, options.backlog, step);
    if (fd < 0) {
      error = {"LISTEN",
               "cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " + Describe(step, -fd)};
      return nullptr;
    }
    if (index == 0) {
      // Port 0 asks the kernel for a free port; the other loops' sockets must share that one.
      listener->port_ = BoundPort(fd);
      if (options.port == 0) ParseAddress(options.host, listener->port_, address, addressLength);
    }
    listener->listenFds_.push_back(fd);
    AccessLogRing* accessLog = nullptr;
    if (options.accessLog) accessLog = listener->accessLogs.emplace_back(std::make_unique<AccessLogRing>()).get();
    listener->loops_.push_back(std::make_unique<EventLoop>(*listener, fd, pipesPerLoop, accessLog));
    int initError = 0;
    if (!listener->loops_.back()->Init(initError)) {
      error = {"SYSTEM", Describe("epoll/eventfd", initError)};
      return nullptr;
    }
  }
  return listener;
}

Listener::~Listener() {
  if (!threads_.empty() && !joined_.load()) {
    Drain(0);
    Join();
  }
}

void Listener::Start() {
  for (auto& loop : loops_) threads_.emplace_back([&loop] { loop->Run(); });
}

void Listener::Drain(uint32_t deadlineMs) {
  if (drainRequested_.exchange(true)) return;
  // Stop listening before returning, so no connection is accepted after drain() was called. The
  // fds stay open (each loop closes its own after this), so shutdown() cannot hit a reused number.
  for (int fd : listenFds_) shutdown(fd, SHUT_RD);
  int64_t deadlineAtMs = MonotonicMs() + deadlineMs;
  for (auto& loop : loops_) loop->RequestDrain(deadlineAtMs);
}

void Listener::Join() {
  // A second caller (drain after close, or the destructor) waits for the first join to finish.
  std::call_once(joinOnce_, [this] {
    for (auto& thread : threads_) thread.join();
    // No thread can touch a loop any more (Drain ran before any loop could return), so their epoll,
    // eventfd and idle pipes go now rather than whenever JS collects the listener object.
    loops_.clear();
    joined_.store(true);
  });
}

bool Listener::TryReserveSlot() {
  int64_t current = counters.activeConnections.load(std::memory_order_relaxed);
  while (current < static_cast<int64_t>(maxConnections_)) {
    if (counters.activeConnections.compare_exchange_weak(current, current + 1)) return true;
  }
  return false;
}

void Listener::ReleaseSlot() {
  int64_t previous = counters.activeConnections.fetch_sub(1);
  if (previous >= static_cast<int64_t>(maxConnections_)) {
    for (auto& loop : loops_) loop->WakeIfPausedForLimit();
  }
}

}  // namespace fulcrum::l4
