// One native loop thread of a UDP listener: epoll, the wake-up, idle timers and drain. The flow
// machine (datagrams and flows) is in udp_flow_machine.cc. Everything runs on this loop's thread
// unless marked.
#include "l4/udp_loop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <string>

#include "l4/clock.h"
#include "l4/udp_listener.h"

namespace fulcrum::l4 {

namespace {

constexpr int kEventsPerWait = 256;

}  // namespace

UdpLoop::UdpLoop(UdpListener& listener, UdpCounters& counters, int socketFd, UdpAccessLogRing* accessLog)
    : listener_(listener),
      counters_(counters),
      accessLog_(accessLog),
      pool_(*listener.pool),
      responses_(listener.options.responses),
      perPacket_(listener.options.perPacket),
      socketFd_(socketFd),
      flows_(listener.options.idleTimeoutMs) {}

UdpLoop::~UdpLoop() {
  // Run returns only once no flow is open, and a loop that never ran has none; closing whatever is
  // left anyway keeps the promise that no flow socket outlives its loop in this one place.
  while (UdpFlow* flow = flows_.oldest()) CloseFlow(*flow, balancer::Outcome::ClientAborted, UdpFlowEnding::Drain);
  FreeClosedFlows();
  if (socketFd_ >= 0) close(socketFd_);
  if (wakeFd_ >= 0) close(wakeFd_);
  if (epollFd_ >= 0) close(epollFd_);
}

bool UdpLoop::Init(int& error) {
  epollFd_ = epoll_create1(EPOLL_CLOEXEC);
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epollFd_ < 0 || wakeFd_ < 0) {
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
  // Level-triggered: each wake-up reads a bounded number of batches and comes back for the rest, so
  // a flood of client datagrams cannot starve the replies waiting on flow sockets.
  event.data.ptr = &socketSource_;
  if (epoll_ctl(epollFd_, EPOLL_CTL_ADD, socketFd_, &event) != 0) {
    error = errno;
    return false;
  }
  return true;
}

void UdpLoop::RequestDrain(int64_t deadlineAtMs) {
  requestedDrainAtMs_.store(deadlineAtMs);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t written = write(wakeFd_, &one, sizeof one);
}

void UdpLoop::Run() {
  nowMs_ = MonotonicMs();
  epoll_event events[kEventsPerWait];
  while (!(draining_ && flows_.size() == 0)) {
    int ready = epoll_wait(epollFd_, events, kEventsPerWait, WaitTimeoutMs());
    nowMs_ = MonotonicMs();
    for (int index = 0; index < ready; ++index) Dispatch(events[index]);
    ExpireIdleFlows();
    FreeClosedFlows();
  }
  // Drained: the port goes back now (other loops, or a listener started by a reload, keep it). What
  // the kernel queued on this socket would vanish uncounted with it; read it first, so new clients'
  // datagrams are counted as drain drops (only those arriving between this read and close() are not).
  ReadClientDatagrams();
  close(socketFd_);
  socketFd_ = -1;
}

void UdpLoop::Dispatch(const epoll_event& event) {
  auto* source = static_cast<UdpPollSource*>(event.data.ptr);
  switch (source->kind) {
    case UdpPollSource::Kind::Listener:
      ReadClientDatagrams();
      return;
    case UdpPollSource::Kind::Wake:
      HandleWake();
      return;
    case UdpPollSource::Kind::Flow:
      // An event queued in this batch for a flow closed earlier in the same batch is stale.
      if (!source->flow->closed) ReadReplies(*source->flow);
      return;
  }
}

void UdpLoop::HandleWake() {
  uint64_t count;
  [[maybe_unused]] ssize_t drained = read(wakeFd_, &count, sizeof count);
  int64_t drainAtMs = requestedDrainAtMs_.load();
  if (drainAtMs >= 0 && !draining_) {
    // The socket stays open while flows live: their clients' datagrams still arrive on it. Only new
    // clients are turned away (OnClientDatagram checks draining_).
    draining_ = true;
    drainDeadlineMs_ = drainAtMs;
  }
}

int UdpLoop::WaitTimeoutMs() const {
  int64_t next = INT64_MAX;
  if (UdpFlow* oldest = flows_.oldest()) next = oldest->idleDeadlineMs;
  if (draining_) next = std::min(next, drainDeadlineMs_);
  if (next == INT64_MAX) return -1;
  int64_t wait = next - MonotonicMs();
  return wait <= 0 ? 0 : static_cast<int>(std::min<int64_t>(wait, INT_MAX));
}

void UdpLoop::ExpireIdleFlows() {
  while (UdpFlow* oldest = flows_.oldest()) {
    if (oldest->idleDeadlineMs > nowMs_) break;
    balancer::Outcome outcome = EndOutcome(*oldest);
    if (outcome == balancer::Outcome::Timeout) counters_.timeouts.fetch_add(1, std::memory_order_relaxed);
    CloseFlow(*oldest, outcome, UdpFlowEnding::Idle);
  }
  if (draining_ && flows_.size() > 0 && drainDeadlineMs_ <= nowMs_) CloseAllForDrain();
}

void UdpLoop::CloseAllForDrain() {
  uint64_t forced = 0;
  while (UdpFlow* flow = flows_.oldest()) {
    // The drain cut the wait for a reply, not the backend: a flow still waiting is not its failure.
    balancer::Outcome outcome = EndOutcome(*flow);
    CloseFlow(*flow, outcome == balancer::Outcome::Timeout ? balancer::Outcome::ClientAborted : outcome,
              UdpFlowEnding::Drain);
    ++forced;
  }
  counters_.drainForcedCloses.fetch_add(forced, std::memory_order_relaxed);
  listener_.log.Add("udp drain deadline reached: closed " + std::to_string(forced) + " flow(s)");
}

void UdpLoop::FreeClosedFlows() {
  for (UdpFlow* flow : closedThisBatch_) delete flow;
  closedThisBatch_.clear();
}

}  // namespace fulcrum::l4
