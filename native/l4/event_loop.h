// One native event-loop thread of a TCP listener: its own epoll, its own SO_REUSEPORT listen socket,
// and the connections it accepted. Everything here is touched only by that thread, except the
// members marked "any thread".
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "balancer/pool.h"
#include "l4/connection.h"
#include "l4/pipe_pool.h"
#include "l4/timer_list.h"

namespace fulcrum::l4 {

class Listener;

class EventLoop {
 public:
  EventLoop(Listener& listener, int listenFd, uint32_t pipeLimit, AccessLogRing* accessLog);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool Init(int& error);  // JS thread, before the thread starts: creates the epoll and eventfd
  void Run();             // the thread body; returns once drained

  void RequestDrain(int64_t deadlineAtMs);  // any thread
  void WakeIfPausedForLimit();              // any thread: a slot under maxConnections became free

 private:
  // event_loop.cc: the loop, accepting, timers and drain.
  void Dispatch(const epoll_event& event);
  void AcceptBatch();
  void PauseAcceptForDescriptors(const std::string& reason);
  bool SpendReserveDescriptor();
  void PauseForLimit();
  void UpdateAcceptArming();
  void HandleWake();
  int WaitTimeoutMs() const;
  void ExpireTimers();
  void CloseAllForDrain();
  void FreeClosedConnections();

  // connection_machine.cc: one connection from accept to close.
  void OnAccepted(int clientFd, const sockaddr_storage& peer);
  void OnSocketEvent(Connection& connection, bool isClient, uint32_t events);
  void ReadProxyHeader(Connection& connection, bool clientEnded);
  bool AdmitThroughGate(Connection& connection);  // false: refused and closed
  void ConnectToNextBackend(Connection& connection, int32_t avoid);
  void CheckConnectProgress(Connection& connection);
  void OnConnectFailed(Connection& connection, balancer::Outcome outcome);
  void OnConnected(Connection& connection);
  void Relay(Connection& connection);
  bool FlushProxyHeader(Connection& connection);
  void Close(Connection& connection, balancer::Outcome outcome, bool resetPeers, ConnectionEnding ending);
  void RecordClose(const Connection& connection, ConnectionEnding ending);
  bool Watch(int fd, PollSource* source);

  Listener& listener_;
  balancer::Pool& pool_;
  int listenFd_;
  int epollFd_ = -1;
  int wakeFd_ = -1;
  // A spare descriptor (/dev/null) so that a client accepted with the last free descriptor still
  // gets its backend socket; while it is spent, accept stays paused and new clients wait queued.
  int reserveFd_ = -1;
  PollSource listenSource_{PollSource::Kind::Listener, nullptr};
  PollSource wakeSource_{PollSource::Kind::Wake, nullptr};
  PipePool pipes_;
  AccessLogRing* accessLog_;   // null unless the access log is on; this thread is its only producer
  TimerList handshakeTimers_;  // reading a PROXY header or connecting: connectTimeoutMs
  TimerList idleTimers_;       // relaying: idleTimeoutMs since the last byte moved
  std::vector<Connection*> closedThisBatch_;
  // Where ReadProxyHeader peeks: kMaxProxyHeaderLength bytes, allocated once per loop and only when
  // the listener accepts PROXY headers (64 KB is too much for the loop thread's stack frame).
  std::vector<uint8_t> proxyHeaderPeek_;
  int64_t nowMs_ = 0;
  uint64_t liveConnections_ = 0;
  bool acceptArmed_ = false;
  int64_t acceptResumeAtMs_ = 0;  // non-zero while accept is paused after EMFILE and the like
  bool shortageLogged_ = false;   // this descriptor shortage was logged; cleared by the next accept
  bool draining_ = false;
  int64_t drainDeadlineMs_ = 0;

  std::atomic<bool> pausedForLimit_{false};      // any thread reads; this thread writes
  std::atomic<int64_t> requestedDrainAtMs_{-1};  // any thread writes; -1 while no drain is asked
};

}  // namespace fulcrum::l4
