// The UDP flow machine of one loop thread: client datagrams in (recvmmsg), flows opened on a pick,
// forwarded on their connected sockets, replies back to the client (sendmmsg), flows closed with an
// outcome for the pool. Runs on the loop thread that owns the flows.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "l4/clock.h"
#include "l4/udp_listener.h"
#include "l4/udp_loop.h"
#include "l4/udp_sockets.h"

namespace fulcrum::l4 {

namespace {

// Batches per wake-up on one socket before going back to epoll_wait, so other sockets get a turn.
constexpr int kBatchesPerWakeup = 4;
// How long new flows steer away from a backend whose port just refused a flow of this loop.
constexpr int64_t kRefusedAvoidMs = 1000;

bool IsDescriptorShortage(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

}  // namespace

void UdpLoop::ReadClientDatagrams() {
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    mmsghdr* messages = batch_.ForReceive(UdpBatch::kSize, true);
    int received = recvmmsg(socketFd_, messages, UdpBatch::kSize, MSG_DONTWAIT, nullptr);
    if (received < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN: read it all. An unconnected socket reports no ICMP errors, so nothing else is expected.
    }
    for (int index = 0; index < received; ++index) {
      auto slot = static_cast<unsigned>(index);
      OnClientDatagram(batch_.sender(slot), batch_.senderLength(slot), batch_.data(slot), batch_.length(slot));
    }
    if (received < static_cast<int>(UdpBatch::kSize)) return;
  }
}

void UdpLoop::OnClientDatagram(const sockaddr_storage& client, socklen_t clientLength, const uint8_t* data,
                               size_t length) {
  counters_.datagramsIn.fetch_add(1, std::memory_order_relaxed);
  counters_.bytesIn.fetch_add(length, std::memory_order_relaxed);
  if (length == 0) counters_.emptyDatagrams.fetch_add(1, std::memory_order_relaxed);
  UdpFlowKey key = UdpFlowKey::From(client);
  int32_t picked = balancer::Pool::kNoBackend;
  if (perPacket_) {
    // Each datagram is balanced on its own; the flow is this client's flow to the backend picked.
    picked = PickBackend(key);
    if (picked == balancer::Pool::kNoBackend) {
      counters_.noBackend.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    key.backendIndex = picked;
  }
  if (UdpFlow* flow = flows_.Find(key)) {
    // The open flow already counts as one active pick of its backend; this datagram's pick is not another.
    if (picked != balancer::Pool::kNoBackend) pool_.release(picked, balancer::Outcome::ClientAborted);
    ForwardToBackend(*flow, data, length);
    return;
  }
  UdpFlow* flow = OpenFlow(key, client, clientLength, picked);
  if (flow) ForwardToBackend(*flow, data, length);
}

int32_t UdpLoop::PickBackend(const UdpFlowKey& key) {
  int32_t avoid = nowMs_ - refusedAtMs_ < kRefusedAvoidMs ? refusedBackend_ : balancer::Pool::kNoBackend;
  return pool_.pick(key.address, key.hashKeyLength(), avoid);
}

// Opens a flow for a client datagram no flow holds. `picked` is the per-packet pick already made, or
// kNoBackend to pick here. Returns null when the datagram is dropped (counted by the reason).
UdpFlow* UdpLoop::OpenFlow(const UdpFlowKey& key, const sockaddr_storage& client, socklen_t clientLength,
                           int32_t picked) {
  auto dropPick = [&] {
    if (picked != balancer::Pool::kNoBackend) pool_.release(picked, balancer::Outcome::ClientAborted);
  };
  // The listener's flag, not this loop's draining_: no flow opens after drain() returned, even one
  // whose datagram this loop reads before it has seen the wake-up.
  if (listener_.drainRequested()) {
    dropPick();
    counters_.drainDrops.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  if (!listener_.TryReserveFlow()) {
    dropPick();
    counters_.flowsRefused.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  if (picked == balancer::Pool::kNoBackend) picked = PickBackend(key);
  if (picked == balancer::Pool::kNoBackend) {
    listener_.ReleaseFlow();
    counters_.noBackend.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  const balancer::Backend& backend = pool_.backend(picked);
  int fd = OpenConnectedDatagram(backend.socketAddress, backend.socketAddressLength);
  if (fd < 0) {
    // Our own shortage (or a backend address the kernel cannot route): not the backend's failure.
    pool_.release(picked, balancer::Outcome::ClientAborted);
    listener_.ReleaseFlow();
    counters_.socketErrors.fetch_add(1, std::memory_order_relaxed);
    if (!socketShortageLogged_) {
      socketShortageLogged_ = true;
      listener_.log.Add(std::string("cannot open a UDP socket to a backend: ") + strerror(-fd) +
                        (IsDescriptorShortage(-fd) ? "; dropping new clients' datagrams until descriptors free up"
                                                   : "; dropping the datagram"));
    }
    return nullptr;
  }
  socketShortageLogged_ = false;
  auto* flow = new UdpFlow();
  flow->key = key;
  flow->client = client;
  flow->clientLength = clientLength;
  flow->fd = fd;
  flow->backendIndex = picked;
  if (accessLog_) flow->openedUs = MonotonicUs();
  epoll_event event{};
  event.events = EPOLLIN;  // EPOLLERR (an ICMP error such as port unreachable) is always reported
  event.data.ptr = &flow->source;
  flows_.Insert(*flow, nowMs_);
  counters_.flowsOpened.fetch_add(1, std::memory_order_relaxed);
  if (epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    counters_.socketErrors.fetch_add(1, std::memory_order_relaxed);
    CloseFlow(*flow, balancer::Outcome::ClientAborted, UdpFlowEnding::SocketError);
    return nullptr;
  }
  return flow;
}

void UdpLoop::ForwardToBackend(UdpFlow& flow, const uint8_t* data, size_t length) {
  flows_.Touch(flow, nowMs_);
  while (send(flow.fd, data, length, 0) < 0) {
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      counters_.sendErrors.fetch_add(1, std::memory_order_relaxed);
    } else {
      OnFlowError(flow, errno);  // an ICMP error from an earlier datagram surfaces on this send
    }
    return;
  }
  ++flow.requests;
  flow.bytesToBackend += length;
  counters_.backendDatagramsOut.fetch_add(1, std::memory_order_relaxed);
}

void UdpLoop::ReadReplies(UdpFlow& flow) {
  for (int round = 0; round < kBatchesPerWakeup; ++round) {
    // Never read past the replies still expected: the flow closes once they came, and later datagrams
    // are not forwarded. At least one is read, so an unsolicited datagram cannot keep the socket ready.
    unsigned wanted = UdpBatch::kSize;
    if (responses_ > 0 && flow.replies < ExpectedReplies(flow)) {
      wanted = static_cast<unsigned>(std::min<uint64_t>(wanted, ExpectedReplies(flow) - flow.replies));
    }
    mmsghdr* messages = batch_.ForReceive(wanted, false);
    int received = recvmmsg(flow.fd, messages, wanted, MSG_DONTWAIT, nullptr);
    if (received < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) OnFlowError(flow, errno);
      return;
    }
    auto count = static_cast<unsigned>(received);
    counters_.backendDatagramsIn.fetch_add(count, std::memory_order_relaxed);
    flow.replies += count;
    if (accessLog_) {
      for (unsigned index = 0; index < count; ++index) flow.bytesFromBackend += batch_.length(index);
    }
    flows_.Touch(flow, nowMs_);
    SendToClient(flow, count);
    if (responses_ > 0 && flow.replies >= ExpectedReplies(flow)) {
      CloseFlow(flow, balancer::Outcome::Success, UdpFlowEnding::Responses);
      return;
    }
    if (count < wanted) return;
  }
}

// Replies leave from the loop's listener socket, so the client sees them come from the address it
// sent to. A full send buffer drops the rest of the batch, as a router would: UDP promises no delivery.
void UdpLoop::SendToClient(UdpFlow& flow, unsigned count) {
  mmsghdr* messages = batch_.ForSendTo(count, flow.client, flow.clientLength);
  unsigned done = 0;
  while (done < count) {
    int sent = sendmmsg(socketFd_, messages + done, count - done, 0);
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      counters_.sendErrors.fetch_add(count - done, std::memory_order_relaxed);
      return;
    }
    if (sent < 0) {  // this one datagram failed (the first of the rest); skip it and go on
      counters_.sendErrors.fetch_add(1, std::memory_order_relaxed);
      ++done;
      continue;
    }
    for (unsigned index = done; index < done + static_cast<unsigned>(sent); ++index) {
      counters_.bytesOut.fetch_add(batch_.length(index), std::memory_order_relaxed);
    }
    counters_.datagramsOut.fetch_add(static_cast<uint64_t>(sent), std::memory_order_relaxed);
    done += static_cast<unsigned>(sent);
  }
}

// An ICMP error on the flow's connected socket: ECONNREFUSED is the backend's port unreachable,
// others (host or network unreachable) say the same of the path. Either way the backend failed this flow.
void UdpLoop::OnFlowError(UdpFlow& flow, int error) {
  counters_.backendErrors.fetch_add(1, std::memory_order_relaxed);
  if (error == ECONNREFUSED) {
    refusedBackend_ = flow.backendIndex;
    refusedAtMs_ = nowMs_;
  }
  CloseFlow(flow, balancer::Outcome::ConnectFailure,
            error == ECONNREFUSED ? UdpFlowEnding::IcmpRefused : UdpFlowEnding::IcmpError);
}

// `responses` per client datagram forwarded, as NGINX's proxy_responses: a DNS client that sends
// several queries from one socket before the first answer (dnsperf, a forwarding resolver) gets them all.
uint64_t UdpLoop::ExpectedReplies(const UdpFlow& flow) const { return flow.requests * responses_; }

// Success when the flow got a reply or none was expected; Timeout when replies were expected and none came.
balancer::Outcome UdpLoop::EndOutcome(const UdpFlow& flow) const {
  return responses_ > 0 && flow.replies == 0 ? balancer::Outcome::Timeout : balancer::Outcome::Success;
}

void UdpLoop::CloseFlow(UdpFlow& flow, balancer::Outcome outcome, UdpFlowEnding ending) {
  if (flow.closed) return;
  if (accessLog_) RecordClose(flow, ending);
  flows_.Erase(flow);
  close(flow.fd);  // also leaves the epoll set
  flow.fd = -1;
  pool_.release(flow.backendIndex, outcome);
  listener_.ReleaseFlow();
  counters_.flowsClosed.fetch_add(1, std::memory_order_relaxed);
  flow.closed = true;
  closedThisBatch_.push_back(&flow);
}

// Fills one fixed-size record and hands it to the ring; nothing here allocates or takes a lock.
void UdpLoop::RecordClose(const UdpFlow& flow, UdpFlowEnding ending) {
  UdpFlowRecord record{};
  timespec wallClock;
  clock_gettime(CLOCK_REALTIME, &wallClock);
  record.closedAtMs = static_cast<int64_t>(wallClock.tv_sec) * 1000 + wallClock.tv_nsec / 1000000;
  record.datagramsClientToBackend = flow.requests;
  record.bytesClientToBackend = flow.bytesToBackend;
  record.datagramsBackendToClient = flow.replies;
  record.bytesBackendToClient = flow.bytesFromBackend;
  record.durationUs = static_cast<uint64_t>(MonotonicUs() - flow.openedUs);
  record.backendIndex = flow.backendIndex;
  record.ending = static_cast<uint8_t>(ending);
  StoreAddress(flow.client, record.clientFamily, record.clientPort, record.clientAddress);
  const balancer::Backend& backend = pool_.backend(flow.backendIndex);
  StoreAddress(backend.socketAddress, record.backendFamily, record.backendPort, record.backendAddress);
  accessLog_->TryPush(record);
}

}  // namespace fulcrum::l4
