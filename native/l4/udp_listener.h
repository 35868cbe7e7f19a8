// A UDP listener: N loop threads sharing one pool, one set of counters and one flow cap. Created,
// started and drained from the JS thread; joined from a libuv worker.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "balancer/pool.h"
#include "l4/event_log.h"
#include "l4/listener.h"
#include "l4/udp_access_log.h"
#include "l4/udp_counters.h"
#include "l4/udp_options.h"

namespace fulcrum::l4 {

class UdpLoop;

class UdpListener {
 public:
  // Binds every loop's socket (so EADDRINUSE is reported here, synchronously) and prepares the loops.
  static std::unique_ptr<UdpListener> Create(const UdpListenerOptions& options, std::shared_ptr<balancer::Pool> pool,
                                             ListenerError& error);
  ~UdpListener();  // drains with a zero deadline and joins, if that has not happened yet
  UdpListener(const UdpListener&) = delete;
  UdpListener& operator=(const UdpListener&) = delete;

  void Start();                     // JS thread: one thread per loop
  void Drain(uint32_t deadlineMs);  // any thread: no new flows; close what is left after deadlineMs
  void Join();                      // blocks until every loop thread has returned

  uint16_t port() const { return port_; }
  uint32_t workers() const { return workers_; }
  uint32_t maxFlows() const { return maxFlows_; }
  bool drainRequested() const { return drainRequested_.load(); }  // any thread

  // Loop threads: a slot per open flow across all threads, taken before the flow's socket is opened.
  bool TryReserveFlow();
  void ReleaseFlow() { flowsActive_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t flowsActive() const { return flowsActive_.load(std::memory_order_relaxed); }  // any thread

  // Any thread: one counter summed over the loops, e.g. Sum(&UdpCounters::datagramsIn).
  uint64_t Sum(std::atomic<uint64_t> UdpCounters::*counter) const;

  const UdpListenerOptions options;
  std::shared_ptr<balancer::Pool> pool;  // held for the listener's lifetime; loops use it directly
  EventLog log;
  // One ring per loop, in loop order, only with options.accessLog. Owned here rather than by the loops
  // so the JS thread can take the records of flows a drain closed after the loops are joined and freed.
  std::vector<std::unique_ptr<UdpAccessLogRing>> accessLogs;

 private:
  UdpListener(const UdpListenerOptions& options, std::shared_ptr<balancer::Pool> pool);

  uint16_t port_ = 0;
  uint32_t workers_ = 0;
  uint32_t maxFlows_ = 0;
  std::atomic<bool> drainRequested_{false};
  std::atomic<int64_t> flowsActive_{0};
  // One per loop, in loop order; owned here rather than by the loops so stats() still reads them
  // after the loops are joined and freed.
  std::vector<std::unique_ptr<UdpCounters>> loopCounters_;
  std::vector<std::unique_ptr<UdpLoop>> loops_;
  std::vector<std::thread> threads_;
  std::once_flag joinOnce_;
  std::atomic<bool> joined_{false};
};

}  // namespace fulcrum::l4
