// A TCP listener: N event-loop threads sharing one pool, one set of counters and one connection
// limit. Created, started, drained and joined from the JS thread (join from a libuv worker).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "balancer/pool.h"
#include "l4/access_log.h"
#include "l4/backend_counters_table.h"
#include "l4/connection_gate.h"
#include "l4/counters.h"
#include "l4/event_log.h"
#include "l4/options.h"

namespace fulcrum::l4 {

class EventLoop;

struct ListenerError {
  std::string code;  // "POOL", "ADDRESS", "LISTEN", "SYSTEM"
  std::string message;
};

class Listener {
 public:
  // Opens all listen sockets (so EADDRINUSE is reported here, synchronously) and prepares the loops.
  static std::unique_ptr<Listener> Create(const ListenerOptions& options, std::shared_ptr<balancer::Pool> pool,
                                          ListenerError& error);
  ~Listener();  // drains with a zero deadline and joins, if that has not happened yet
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  void Start();                     // JS thread: one thread per loop
  void Drain(uint32_t deadlineMs);  // any thread: stop accepting; close what is left after deadlineMs
  void Join();                      // blocks until every loop thread has returned

  uint16_t port() const { return port_; }
  uint32_t maxConnections() const { return maxConnections_; }
  uint32_t workers() const { return workers_; }
  bool drainRequested() const { return drainRequested_.load(); }  // any thread

  // Loop threads: one slot per open connection, so no more than maxConnections are ever accepted.
  bool TryReserveSlot();
  void ReleaseSlot();

  const ListenerOptions options;
  std::shared_ptr<balancer::Pool> pool;  // held for the listener's lifetime; loops use it directly
  ListenerCounters counters;
  BackendCountersTable backendCounters;  // indexed like pool->backend(i)
  ConnectionGate gate;                   // decides each new connection (loop threads); counts verdicts
  EventLog log;
  // One ring per loop, in loop order, only with options.accessLog. Owned here rather than by the loops
  // so the JS thread can take the last records after the loops are joined and freed.
  std::vector<std::unique_ptr<AccessLogRing>> accessLogs;

 private:
  Listener(const ListenerOptions& options, std::shared_ptr<balancer::Pool> pool);

  uint16_t port_ = 0;
  uint32_t maxConnections_ = 0;
  uint32_t workers_ = 0;
  std::vector<int> listenFds_;  // owned by the loops, which close them once they see the drain
  std::atomic<bool> drainRequested_{false};
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::vector<std::thread> threads_;
  std::once_flag joinOnce_;
  std::atomic<bool> joined_{false};
};

}  // namespace fulcrum::l4
