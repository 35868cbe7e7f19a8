// Small socket helpers: address parsing, SO_REUSEPORT listeners, non-blocking connects.
#include "l4/sockets.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fulcrum::l4 {

bool ParseAddress(const std::string& host, uint16_t port, sockaddr_storage& out, socklen_t& length) {
  memset(&out, 0, sizeof out);
  auto& v4 = reinterpret_cast<sockaddr_in&>(out);
  if (inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    length = sizeof(sockaddr_in);
    return true;
  }
  auto& v6 = reinterpret_cast<sockaddr_in6&>(out);
  if (inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    length = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

int OpenReusePortListener(const sockaddr_storage& address, socklen_t length, int backlog, const char*& step) {
  step = "socket";
  int fd = socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int enable = 1;
  step = "setsockopt(SO_REUSEPORT)";
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &enable, sizeof enable) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &enable, sizeof enable) != 0) {
    int error = errno;
    close(fd);
    return -error;
  }
  // Accepted sockets inherit TCP_NODELAY from the listener, which saves a setsockopt per connection.
  SetNoDelay(fd);
  step = "bind";
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
    int error = errno;
    close(fd);
    return -error;
  }
  step = "listen";
  if (listen(fd, backlog) != 0) {
    int error = errno;
    close(fd);
    return -error;
  }
  return fd;
}

uint16_t BoundPort(int fd) {
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) return 0;
  if (bound.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6&>(bound).sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in&>(bound).sin_port);
}

int ProbeListeningElsewhere(const sockaddr_storage& address, socklen_t length) {
  int fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int enable = 1;
  int result = 0;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &enable, sizeof enable) != 0 ||
      bind(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
    result = -errno;
  }
  close(fd);
  return result;
}

int StartConnect(const sockaddr_storage& address, socklen_t length, bool& connected) {
  int fd = socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  SetNoDelay(fd);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), length) == 0) {
    connected = true;
    return fd;
  }
  if (errno == EINPROGRESS) {
    connected = false;
    return fd;
  }
  int error = errno;
  close(fd);
  return -error;
}

void CloseWithReset(int fd) {
  linger abortive{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
  close(fd);
}

void SetNoDelay(int fd) {
  int enable = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &enable, sizeof enable);
}

}  // namespace fulcrum::l4
