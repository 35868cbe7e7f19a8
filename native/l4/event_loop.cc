// One native event-loop thread of a TCP listener: epoll, accept, timers and drain. The per-connection
// state machine is in connection_machine.cc. Everything runs on this loop's thread unless marked.
#include "l4/event_loop.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "l4/clock.h"
#include "l4/listener.h"
#include "l4/proxy_protocol.h"

namespace fulcrum::l4 {

namespace {

constexpr int kEventsPerWait = 256;
constexpr int kAcceptsPerWakeup = 64;         // so one busy listener cannot starve relays
constexpr int64_t kAcceptErrorPauseMs = 100;  // after EMFILE: let connections close, retry
constexpr int64_t kLimitRecheckMs = 200;      // backstop for a missed resume wake-up

}  // namespace

EventLoop::EventLoop(Listener& listener, int listenFd, uint32_t pipeLimit, AccessLogRing* accessLog)
    : listener_(listener),
      pool_(*listener.pool),
      listenFd_(listenFd),
      pipes_(pipeLimit, listener.options.pipeSize, listener.counters),
      accessLog_(accessLog),
      handshakeTimers_(listener.options.connectTimeoutMs),
      idleTimers_(listener.options.idleTimeoutMs) {
  if (listener.options.acceptProxyProtocol) proxyHeaderPeek_.resize(kMaxProxyHeaderLength);
}

EventLoop::~EventLoop() {
  if (listenFd_ >= 0) close(listenFd_);
  if (wakeFd_ >= 0) close(wakeFd_);
  if (epollFd_ >= 0) close(epollFd_);
  if (reserveFd_ >= 0) close(reserveFd_);
}

bool EventLoop::Init(int& error) {
  epollFd_ = epoll_create1(EPOLL_CLOEXEC);
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  reserveFd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (epollFd_ < 0 || wakeFd_ < 0 || reserveFd_ < 0) {
    error = errno;
    return false;
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = &wakeSource_;
  if (epoll_ctl(epollFd_, EPOLL_CTL_ADD, wakeFd_, &event) != 0) {
    error = errno;
    return false;
  }
  return true;
}

void EventLoop::RequestDrain(int64_t deadlineAtMs) {
  requestedDrainAtMs_.store(deadlineAtMs);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t written = write(wakeFd_, &one, sizeof one);
}

void EventLoop::WakeIfPausedForLimit() {
  if (!pausedForLimit_.load()) return;
  uint64_t one = 1;
  [[maybe_unused]] ssize_t written = write(wakeFd_, &one, sizeof one);
}

void EventLoop::Run() {
  nowMs_ = MonotonicMs();
  UpdateAcceptArming();
  epoll_event events[kEventsPerWait];
  while (!(draining_ && liveConnections_ == 0)) {
    int ready = epoll_wait(epollFd_, events, kEventsPerWait, WaitTimeoutMs());
    nowMs_ = MonotonicMs();
    for (int index = 0; index < ready; ++index) Dispatch(events[index]);
    ExpireTimers();
    FreeClosedConnections();
  }
  if (listenFd_ >= 0) {
    close(listenFd_);
    listenFd_ = -1;
  }
}

void EventLoop::Dispatch(const epoll_event& event) {
  auto* source = static_cast<PollSource*>(event.data.ptr);
  switch (source->kind) {
    case PollSource::Kind::Listener:
      AcceptBatch();
      return;
    case PollSource::Kind::Wake:
      HandleWake();
      return;
    case PollSource::Kind::Client:
    case PollSource::Kind::Backend:
      // An event queued in this batch for a connection closed earlier in the same batch is stale.
      if (source->connection->phase == ConnectionPhase::Closed) return;
      OnSocketEvent(*source->connection, source->kind == PollSource::Kind::Client, event.events);
      return;
  }
}

void EventLoop::AcceptBatch() {
  for (int accepted = 0; accepted < kAcceptsPerWakeup && acceptArmed_; ++accepted) {
    // The slot is taken before accept() so that over the limit connections stay in the kernel
    // backlog instead of being accepted and dropped.
    if (!listener_.TryReserveSlot()) {
      PauseForLimit();
      return;
    }
    sockaddr_storage peer{};
    socklen_t peerLength = sizeof peer;
    int fd = accept4(listenFd_, reinterpret_cast<sockaddr*>(&peer), &peerLength, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      shortageLogged_ = false;
      OnAccepted(fd, peer);
      continue;
    }
    int error = errno;
    listener_.ReleaseSlot();
    if (error == EAGAIN || error == EWOULDBLOCK) return;
    if (error == EINTR || error == ECONNABORTED || error == EPROTO) continue;
    if (listener_.drainRequested()) return;  // drain() shut the socket down; HandleWake closes it
    // EMFILE, ENFILE, ENOBUFS, ENOMEM: the connection stays queued; stop polling the listener for a
    // moment (it would stay readable and spin) and try again when descriptors may have been freed.
    listener_.counters.acceptErrors.fetch_add(1, std::memory_order_relaxed);
    PauseAcceptForDescriptors(std::string("accept failed: ") + strerror(error));
    return;
  }
}

void EventLoop::PauseAcceptForDescriptors(const std::string& reason) {
  // One line per shortage, not one per 100 ms retry: the counters carry the rest.
  if (!shortageLogged_) {
    listener_.log.Add(reason + "; pausing accept, retrying every " + std::to_string(kAcceptErrorPauseMs) + " ms");
    shortageLogged_ = true;
  }
  acceptResumeAtMs_ = nowMs_ + kAcceptErrorPauseMs;
  UpdateAcceptArming();
}

// Called when a backend socket() hit EMFILE/ENFILE: frees the spare so the retry can have its number
// (unless another thread of the process takes it first), and pauses accept until it is back.
bool EventLoop::SpendReserveDescriptor() {
  if (reserveFd_ < 0) return false;
  close(reserveFd_);
  reserveFd_ = -1;
  listener_.counters.descriptorReserveUses.fetch_add(1, std::memory_order_relaxed);
  PauseAcceptForDescriptors("out of descriptors for a backend socket: used the reserve");
  return true;
}

void EventLoop::PauseForLimit() {
  listener_.counters.acceptPausesForLimit.fetch_add(1, std::memory_order_relaxed);
  pausedForLimit_.store(true);
  UpdateAcceptArming();
  // A connection may have closed on another thread between the failed reservation and the store
  // above, without seeing the flag; look once more so that wake-up is not lost.
  if (listener_.counters.activeConnections.load() < static_cast<int64_t>(listener_.maxConnections())) {
    pausedForLimit_.store(false);
    UpdateAcceptArming();
  }
}

void EventLoop::UpdateAcceptArming() {
  bool wanted = listenFd_ >= 0 && !draining_ && !pausedForLimit_.load() && acceptResumeAtMs_ == 0;
  if (wanted == acceptArmed_) return;
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = &listenSource_;
  epoll_ctl(epollFd_, wanted ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, listenFd_, &event);
  acceptArmed_ = wanted;
}

void EventLoop::HandleWake() {
  uint64_t count;
  [[maybe_unused]] ssize_t drained = read(wakeFd_, &count, sizeof count);
  int64_t drainAtMs = requestedDrainAtMs_.load();
  if (drainAtMs >= 0 && !draining_) {
    draining_ = true;
    drainDeadlineMs_ = drainAtMs;
    UpdateAcceptArming();
    // Closing the listen socket hands the port back; with SO_REUSEPORT the other loops' sockets,
    // or a new listener started by a hot reload, keep accepting.
    close(listenFd_);
    listenFd_ = -1;
  }
  if (pausedForLimit_.load() &&
      listener_.counters.activeConnections.load() < static_cast<int64_t>(listener_.maxConnections())) {
    pausedForLimit_.store(false);
    UpdateAcceptArming();
  }
}

int EventLoop::WaitTimeoutMs() const {
  int64_t next = INT64_MAX;
  if (Connection* head = handshakeTimers_.head()) next = std::min(next, head->deadlineMs);
  if (Connection* head = idleTimers_.head()) next = std::min(next, head->deadlineMs);
  if (acceptResumeAtMs_ != 0) next = std::min(next, acceptResumeAtMs_);
  if (pausedForLimit_.load()) next = std::min(next, nowMs_ + kLimitRecheckMs);
  if (draining_) next = std::min(next, drainDeadlineMs_);
  if (next == INT64_MAX) return -1;
  int64_t wait = next - MonotonicMs();
  return wait <= 0 ? 0 : static_cast<int>(std::min<int64_t>(wait, INT_MAX));
}

void EventLoop::ExpireTimers() {
  while (Connection* head = handshakeTimers_.head()) {
    if (head->deadlineMs > nowMs_) break;
    if (head->phase == ConnectionPhase::Connecting) {
      OnConnectFailed(*head, balancer::Outcome::Timeout);
    } else {
      listener_.counters.proxyHeaderErrors.fetch_add(1, std::memory_order_relaxed);
      Close(*head, balancer::Outcome::ClientAborted, true, ConnectionEnding::Reset);
    }
  }
  while (Connection* head = idleTimers_.head()) {
    if (head->deadlineMs > nowMs_) break;
    listener_.counters.idleTimeouts.fetch_add(1, std::memory_order_relaxed);
    Close(*head, balancer::Outcome::Success, false, ConnectionEnding::IdleTimeout);
  }
  if (acceptResumeAtMs_ != 0 && acceptResumeAtMs_ <= nowMs_) {
    // Accept only once the reserve is held again; until then no descriptor has been freed.
    if (reserveFd_ < 0) reserveFd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
    acceptResumeAtMs_ = reserveFd_ >= 0 ? 0 : nowMs_ + kAcceptErrorPauseMs;
    UpdateAcceptArming();
  }
  if (pausedForLimit_.load()) HandleWake();
  if (draining_ && liveConnections_ > 0 && drainDeadlineMs_ <= nowMs_) CloseAllForDrain();
}

void EventLoop::CloseAllForDrain() {
  uint64_t forced = 0;
  for (TimerList* list : {&handshakeTimers_, &idleTimers_}) {
    while (Connection* head = list->head()) {
      Close(*head, balancer::Outcome::ClientAborted, false, ConnectionEnding::Drain);
      ++forced;
    }
  }
  listener_.counters.drainForcedCloses.fetch_add(forced, std::memory_order_relaxed);
  listener_.log.Add("drain deadline reached: closed " + std::to_string(forced) + " connection(s)");
}

void EventLoop::FreeClosedConnections() {
  for (Connection* connection : closedThisBatch_) delete connection;
  closedThisBatch_.clear();
}

}  // namespace fulcrum::l4
