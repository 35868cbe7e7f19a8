// The plain state of one proxied connection; created, changed and freed only by its loop thread.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "l4/access_log.h"
#include "l4/relay.h"

namespace fulcrum::l4 {

struct Connection;
class TimerList;

// What an epoll event points at. The listener and the wake eventfd have no connection.
struct PollSource {
  enum class Kind : uint8_t { Listener, Wake, Client, Backend };
  Kind kind;
  Connection* connection;
};

enum class ConnectionPhase : uint8_t {
  ReadingProxyHeader,  // waiting for the PROXY header of a trusted front
  Connecting,          // a non-blocking connect to backendIndex is in flight
  Relaying,            // both sockets open, bytes flowing
  Closed,              // fds closed; freed at the end of the current epoll batch
};

struct Connection {
  PollSource clientSource{PollSource::Kind::Client, this};
  PollSource backendSource{PollSource::Kind::Backend, this};
  int clientFd = -1;
  int backendFd = -1;
  ConnectionPhase phase = ConnectionPhase::Connecting;
  SocketReadiness client;
  SocketReadiness backend;
  Direction toBackend;
  Direction toClient;

  // The client as the backend should see it: the peer and the address it connected to, or the
  // addresses a trusted front reported in its PROXY header.
  sockaddr_storage clientAddress{};
  sockaddr_storage destinationAddress{};

  int32_t backendIndex = -1;      // the pool's kNoBackend while none is held
  int32_t lastBackendIndex = -1;  // the backend last tried, held or not: the access log's backend
  uint32_t attemptsLeft = 0;
  int64_t acceptedUs = 0;
  int64_t connectStartedUs = 0;
  int64_t connectTimeUs = -1;  // -1 until a backend accepted the connection

  // For the access log: bytes each way and which side's FIN came first.
  uint64_t bytesClientToBackend = 0;
  uint64_t bytesBackendToClient = 0;
  bool holdsIpSlot = false;  // counted in maxConnectionsPerIp's table under clientAddress: release at close
  uint8_t accessRule = 0;    // for the access log: 1 + the access rule that matched, 0 when none did
  bool finSeen = false;
  bool clientFinFirst = false;
  std::string proxyHeaderToSend;  // PROXY header bytes not yet written to the backend
  size_t proxyHeaderSent = 0;

  // Intrusive links of the TimerList this connection waits in; every live connection is in exactly
  // one list (handshake or idle), which is also how a drain finds them all.
  Connection* timerPrevious = nullptr;
  Connection* timerNext = nullptr;
  TimerList* timerList = nullptr;
  int64_t deadlineMs = 0;
};

}  // namespace fulcrum::l4
