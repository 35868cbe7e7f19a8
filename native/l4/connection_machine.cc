// One proxied connection from accept to close: PROXY header, access rules and limits, pick, connect with
// retries, relay, close. Runs on the loop thread that accepted the connection.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "l4/clock.h"
#include "l4/event_loop.h"
#include "l4/listener.h"
#include "l4/proxy_protocol.h"
#include "l4/sockets.h"

namespace fulcrum::l4 {

namespace {

constexpr uint32_t kSocketEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

bool IsDescriptorShortage(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

// The bytes `ip` hashing keys on: the client's address without its port, so one client keeps its backend.
void ClientKey(const sockaddr_storage& address, const uint8_t*& key, size_t& length) {
  if (address.ss_family == AF_INET6) {
    key = reinterpret_cast<const sockaddr_in6&>(address).sin6_addr.s6_addr;
    length = 16;
  } else {
    key = reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in&>(address).sin_addr.s_addr);
    length = 4;
  }
}

}  // namespace

bool EventLoop::Watch(int fd, PollSource* source) {
  epoll_event event{};
  event.events = kSocketEvents;
  event.data.ptr = source;
  return epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &event) == 0;
}

void EventLoop::OnAccepted(int clientFd, const sockaddr_storage& peer) {
  auto* connection = new Connection();
  connection->clientFd = clientFd;
  connection->clientAddress = peer;
  connection->acceptedUs = MonotonicUs();
  // The address the client connected to matters only for a PROXY header to the backend; skipping the
  // syscall otherwise is one of the cheap wins on the new-connection path.
  if (listener_.options.sendProxyProtocol != ProxyProtocolVersion::None) {
    socklen_t length = sizeof connection->destinationAddress;
    getsockname(clientFd, reinterpret_cast<sockaddr*>(&connection->destinationAddress), &length);
  }
  connection->attemptsLeft = listener_.options.retries + 1;
  ++liveConnections_;
  listener_.counters.accepted.fetch_add(1, std::memory_order_relaxed);
  // Without a PROXY header to wait for, the peer is the client: decide now, before any epoll or backend work.
  if (!listener_.options.acceptProxyProtocol && !AdmitThroughGate(*connection)) return;
  // No TCP_NODELAY here: accepted sockets inherit it from the listen socket (OpenReusePortListener).
  if (!Watch(clientFd, &connection->clientSource)) {
    listener_.counters.socketErrors.fetch_add(1, std::memory_order_relaxed);
    Close(*connection, balancer::Outcome::ClientAborted, true, ConnectionEnding::Reset);
    return;
  }
  if (listener_.options.acceptProxyProtocol) {
    connection->phase = ConnectionPhase::ReadingProxyHeader;
    handshakeTimers_.Schedule(*connection, nowMs_);
    return;
  }
  ConnectToNextBackend(*connection, balancer::Pool::kNoBackend);
}

void EventLoop::OnSocketEvent(Connection& connection, bool isClient, uint32_t events) {
  SocketReadiness& side = isClient ? connection.client : connection.backend;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) side.readable = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) side.writable = true;
  switch (connection.phase) {
    case ConnectionPhase::ReadingProxyHeader:
      if (isClient) ReadProxyHeader(connection, (events & (EPOLLRDHUP | EPOLLHUP)) != 0);
      return;
    case ConnectionPhase::Connecting:
      // Client bytes wait in the kernel until the backend is connected.
      if (!isClient) CheckConnectProgress(connection);
      return;
    case ConnectionPhase::Relaying:
      Relay(connection);
      return;
    case ConnectionPhase::Closed:
      return;
  }
}

// Peeks rather than reads, so exactly the header is consumed and the bytes after it stay queued
// for the relay (HAProxy's conn_recv_proxy does the same). A header that arrives in pieces is peeked
// again from its start on each one; the handshake timer bounds how long that may go on, and a client
// that has sent its FIN (`clientEnded`) will send no more, so an incomplete header is refused at once.
void EventLoop::ReadProxyHeader(Connection& connection, bool clientEnded) {
  uint8_t* peeked = proxyHeaderPeek_.data();
  ssize_t length = recv(connection.clientFd, peeked, proxyHeaderPeek_.size(), MSG_PEEK);
  if (length < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    connection.client.readable = false;
    return;
  }
  ProxyHeaderParse parse;
  if (length > 0) parse = ParseProxyHeader(peeked, static_cast<size_t>(length));
  if (length > 0 && parse.status == ProxyHeaderStatus::Incomplete && !clientEnded) return;
  if (length <= 0 || parse.status != ProxyHeaderStatus::Complete) {
    listener_.counters.proxyHeaderErrors.fetch_add(1, std::memory_order_relaxed);
    if (length > 0) listener_.log.Add("refused a connection whose PROXY protocol header is malformed or cut short");
    Close(connection, balancer::Outcome::ClientAborted, true, ConnectionEnding::Reset);
    return;
  }
  [[maybe_unused]] ssize_t consumed = recv(connection.clientFd, peeked, parse.length, 0);
  if (parse.hasAddresses) {
    connection.clientAddress = parse.source;
    connection.destinationAddress = parse.destination;
  }
  // The rules and limits apply to the client the trusted front reported (its own address for a LOCAL header).
  if (!AdmitThroughGate(connection)) return;
  ConnectToNextBackend(connection, balancer::Pool::kNoBackend);
}

// Address rules, connection rate and per-IP cap (connection_gate.h). A refused connection is closed at once
// with a reset (SO_LINGER 0, as HAProxy's `tcp-request connection reject`): the client learns right away,
// no TIME_WAIT is left here, and no backend is picked or connected.
bool EventLoop::AdmitThroughGate(Connection& connection) {
  ConnectionGate& gate = listener_.gate;
  if (!gate.enabled()) return true;
  const GateDecision decision = gate.Admit(connection.clientAddress, MonotonicUs());
  connection.accessRule = decision.rule >= 0 && decision.rule < 255 ? static_cast<uint8_t>(decision.rule + 1) : 0;
  connection.holdsIpSlot = decision.holdsIpSlot;
  switch (decision.verdict) {
    case GateVerdict::Admitted:
      return true;
    case GateVerdict::Denied:
      Close(connection, balancer::Outcome::ClientAborted, true, ConnectionEnding::Denied);
      return false;
    case GateVerdict::Limited:
      Close(connection, balancer::Outcome::ClientAborted, true, ConnectionEnding::Limited);
      return false;
    case GateVerdict::Capped:
      Close(connection, balancer::Outcome::ClientAborted, true, ConnectionEnding::Capped);
      return false;
  }
  return true;
}

void EventLoop::ConnectToNextBackend(Connection& connection, int32_t avoid) {
  const uint8_t* key = nullptr;
  size_t keyLength = 0;
  ClientKey(connection.clientAddress, key, keyLength);
  while (connection.attemptsLeft > 0) {
    --connection.attemptsLeft;
    int32_t index = pool_.pick(key, keyLength, avoid);
    if (index == balancer::Pool::kNoBackend || !BackendCountersTable::Holds(index)) break;
    const balancer::Backend& backend = pool_.backend(index);
    BackendCounters& stats = listener_.backendCounters.at(index);
    bool connected = false;
    connection.connectStartedUs = MonotonicUs();
    int fd = StartConnect(backend.socketAddress, backend.socketAddressLength, connected);
    if (fd < 0 && IsDescriptorShortage(-fd) && SpendReserveDescriptor()) {
      fd = StartConnect(backend.socketAddress, backend.socketAddressLength, connected);
    }
    if (fd < 0 && IsDescriptorShortage(-fd)) {
      // Our own shortage, not the backend's fault: release without blaming it and give up.
      pool_.release(index, balancer::Outcome::ClientAborted);
      listener_.counters.socketErrors.fetch_add(1, std::memory_order_relaxed);
      listener_.log.Add(std::string("cannot open a socket to a backend: ") + strerror(-fd));
      Close(connection, balancer::Outcome::ClientAborted, true, ConnectionEnding::ConnectFailure);
      return;
    }
    stats.activeConnections.fetch_add(1, std::memory_order_relaxed);
    connection.backendIndex = index;
    connection.lastBackendIndex = index;
    if (fd < 0) {  // refused at once
      OnConnectFailed(connection, balancer::Outcome::ConnectFailure);
      return;
    }
    connection.backendFd = fd;
    if (!Watch(fd, &connection.backendSource)) {
      listener_.counters.socketErrors.fetch_add(1, std::memory_order_relaxed);
      Close(connection, balancer::Outcome::ClientAborted, true, ConnectionEnding::ConnectFailure);
      return;
    }
    if (connected) {
      OnConnected(connection);
    } else {
      connection.phase = ConnectionPhase::Connecting;
      handshakeTimers_.Schedule(connection, nowMs_);
    }
    return;
  }
  listener_.counters.noBackendAvailable.fetch_add(1, std::memory_order_relaxed);
  Close(connection, balancer::Outcome::ClientAborted, true, ConnectionEnding::ConnectFailure);
}

// Asks the kernel with connect() again, as HAProxy does: one syscall answers "connected" (EISCONN),
// "still in progress" (EALREADY: a stale event carrying this connection's PollSource) or the error,
// where SO_ERROR plus getpeername() took two.
void EventLoop::CheckConnectProgress(Connection& connection) {
  const balancer::Backend& backend = pool_.backend(connection.backendIndex);
  if (connect(connection.backendFd, reinterpret_cast<const sockaddr*>(&backend.socketAddress),
              backend.socketAddressLength) == 0 ||
      errno == EISCONN) {
    OnConnected(connection);
  } else if (errno != EALREADY && errno != EINPROGRESS && errno != EINTR) {
    OnConnectFailed(connection, balancer::Outcome::ConnectFailure);
  }
}

void EventLoop::OnConnectFailed(Connection& connection, balancer::Outcome outcome) {
  int32_t failed = connection.backendIndex;
  BackendCounters& stats = listener_.backendCounters.at(failed);
  stats.activeConnections.fetch_sub(1, std::memory_order_relaxed);
  (outcome == balancer::Outcome::Timeout ? stats.connectTimeouts : stats.connectFailures)
      .fetch_add(1, std::memory_order_relaxed);
  pool_.release(failed, outcome);
  connection.backendIndex = balancer::Pool::kNoBackend;
  if (connection.backendFd >= 0) {
    close(connection.backendFd);  // also leaves the epoll set
    connection.backendFd = -1;
  }
  connection.backend = SocketReadiness{};
  ConnectToNextBackend(connection, failed);
}

void EventLoop::OnConnected(Connection& connection) {
  BackendCounters& stats = listener_.backendCounters.at(connection.backendIndex);
  uint64_t connectTimeUs = static_cast<uint64_t>(MonotonicUs() - connection.connectStartedUs);
  connection.connectTimeUs = static_cast<int64_t>(connectTimeUs);
  stats.connectionsTotal.fetch_add(1, std::memory_order_relaxed);
  stats.connectTimeSumUs.fetch_add(connectTimeUs, std::memory_order_relaxed);
  stats.connectTimeCount.fetch_add(1, std::memory_order_relaxed);
  RaiseMax(stats.connectTimeMaxUs, connectTimeUs);
  connection.phase = ConnectionPhase::Relaying;
  connection.backend.writable = true;
  connection.client.readable = true;  // bytes may have queued while connecting, with their edge spent
  if (listener_.options.sendProxyProtocol != ProxyProtocolVersion::None) {
    connection.proxyHeaderToSend =
        BuildProxyHeader(listener_.options.sendProxyProtocol, connection.clientAddress, connection.destinationAddress);
  }
  idleTimers_.Schedule(connection, nowMs_);
  Relay(connection);
}

bool EventLoop::FlushProxyHeader(Connection& connection) {
  std::string& header = connection.proxyHeaderToSend;
  while (connection.proxyHeaderSent < header.size() && connection.backend.writable) {
    ssize_t sent = send(connection.backendFd, header.data() + connection.proxyHeaderSent,
                        header.size() - connection.proxyHeaderSent, MSG_NOSIGNAL);
    if (sent > 0) {
      connection.proxyHeaderSent += static_cast<size_t>(sent);
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      connection.backend.writable = false;
    } else if (errno != EINTR) {
      return false;
    }
  }
  if (connection.proxyHeaderSent == header.size()) std::string().swap(header);
  return true;
}

void EventLoop::Relay(Connection& connection) {
  if (!connection.proxyHeaderToSend.empty() && !FlushProxyHeader(connection)) {
    listener_.backendCounters.at(connection.backendIndex).backendResets.fetch_add(1, std::memory_order_relaxed);
    Close(connection, balancer::Outcome::Reset, true, ConnectionEnding::Reset);
    return;
  }
  BackendCounters& stats = listener_.backendCounters.at(connection.backendIndex);
  PumpOutcome upstream;
  if (connection.proxyHeaderToSend.empty()) {
    upstream = Pump(connection.toBackend, connection.clientFd, connection.client, connection.backendFd,
                    connection.backend, pipes_, listener_.counters, connection.toClient.shutdownSent);
  }
  PumpOutcome downstream = Pump(connection.toClient, connection.backendFd, connection.backend, connection.clientFd,
                                connection.client, pipes_, listener_.counters, connection.toBackend.shutdownSent);
  if (upstream.bytesMoved) stats.bytesClientToBackend.fetch_add(upstream.bytesMoved, std::memory_order_relaxed);
  if (downstream.bytesMoved) stats.bytesBackendToClient.fetch_add(downstream.bytesMoved, std::memory_order_relaxed);
  connection.bytesClientToBackend += upstream.bytesMoved;
  connection.bytesBackendToClient += downstream.bytesMoved;
  if (!connection.finSeen && (connection.toBackend.sourceEnded || connection.toClient.sourceEnded)) {
    connection.finSeen = true;
    connection.clientFinFirst = connection.toBackend.sourceEnded;  // both in one pass: call it the client's
  }
  bool clientFailed = upstream.result == PumpResult::SourceFailed || downstream.result == PumpResult::DestinationFailed;
  bool backendFailed =
      upstream.result == PumpResult::DestinationFailed || downstream.result == PumpResult::SourceFailed;
  if (backendFailed) {
    stats.backendResets.fetch_add(1, std::memory_order_relaxed);
    Close(connection, balancer::Outcome::Reset, true, ConnectionEnding::Reset);
  } else if (clientFailed) {
    listener_.counters.clientResets.fetch_add(1, std::memory_order_relaxed);
    Close(connection, balancer::Outcome::ClientAborted, true, ConnectionEnding::Reset);
  } else if (connection.toBackend.shutdownSent && connection.toClient.shutdownSent) {
    Close(connection, balancer::Outcome::Success, false,
          connection.clientFinFirst ? ConnectionEnding::ClientClose : ConnectionEnding::BackendClose);
  } else if (upstream.bytesMoved || downstream.bytesMoved) {
    idleTimers_.Schedule(connection, nowMs_);
  }
}

void EventLoop::Close(Connection& connection, balancer::Outcome outcome, bool resetPeers, ConnectionEnding ending) {
  if (connection.phase == ConnectionPhase::Closed) return;
  if (accessLog_) RecordClose(connection, ending);
  TimerList::Remove(connection);
  ReleaseDirection(connection.toBackend, pipes_);
  ReleaseDirection(connection.toClient, pipes_);
  for (int fd : {connection.backendFd, connection.clientFd}) {
    if (fd < 0) continue;
    if (resetPeers)
      CloseWithReset(fd);
    else
      close(fd);
  }
  connection.backendFd = connection.clientFd = -1;
  if (connection.backendIndex != balancer::Pool::kNoBackend) {
    listener_.backendCounters.at(connection.backendIndex).activeConnections.fetch_sub(1, std::memory_order_relaxed);
    pool_.release(connection.backendIndex, outcome);
    connection.backendIndex = balancer::Pool::kNoBackend;
  }
  if (connection.holdsIpSlot) {
    listener_.gate.Leave(connection.clientAddress);
    connection.holdsIpSlot = false;
  }
  connection.phase = ConnectionPhase::Closed;
  --liveConnections_;
  listener_.ReleaseSlot();
  closedThisBatch_.push_back(&connection);
}

// Fills one fixed-size record and hands it to the ring; nothing here allocates or takes a lock.
void EventLoop::RecordClose(const Connection& connection, ConnectionEnding ending) {
  AccessRecord record{};
  timespec wallClock;
  clock_gettime(CLOCK_REALTIME, &wallClock);
  record.closedAtMs = static_cast<int64_t>(wallClock.tv_sec) * 1000 + wallClock.tv_nsec / 1000000;
  record.bytesClientToBackend = connection.bytesClientToBackend;
  record.bytesBackendToClient = connection.bytesBackendToClient;
  record.durationUs = static_cast<uint64_t>(MonotonicUs() - connection.acceptedUs);
  record.connectTimeUs = connection.connectTimeUs;
  record.ending = static_cast<uint8_t>(ending);
  record.rule = connection.accessRule;
  StoreAddress(connection.clientAddress, record.clientFamily, record.clientPort, record.clientAddress);
  if (connection.lastBackendIndex != balancer::Pool::kNoBackend) {
    const balancer::Backend& backend = pool_.backend(connection.lastBackendIndex);
    StoreAddress(backend.socketAddress, record.backendFamily, record.backendPort, record.backendAddress);
  }
  accessLog_->TryPush(record);
}

}  // namespace fulcrum::l4
