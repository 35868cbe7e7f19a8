// UDP socket helpers: the SO_REUSEPORT listener socket of each loop and a flow's connected socket.
#include "l4/udp_sockets.h"

#include <unistd.h>

#include <cerrno>

namespace fulcrum::l4 {

namespace {

// A deeper receive queue for the listener socket absorbs bursts while the loop is busy forwarding;
// the kernel caps it at net.core.rmem_max, which is fine: it is a wish, not a requirement.
constexpr int kListenerReceiveBuffer = 4 << 20;

int CloseAndFail(int fd) {
  int error = errno;
  close(fd);
  return -error;
}

}  // namespace

int OpenReusePortDatagram(const sockaddr_storage& address, socklen_t length, const char*& step) {
  step = "socket";
  int fd = socket(address.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int enable = 1;
  step = "setsockopt(SO_REUSEPORT)";
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &enable, sizeof enable) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &enable, sizeof enable) != 0) {
    return CloseAndFail(fd);
  }
  int receiveBuffer = kListenerReceiveBuffer;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
  step = "bind";
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) return CloseAndFail(fd);
  return fd;
}

int OpenConnectedDatagram(const sockaddr_storage& backend, socklen_t length) {
  int fd = socket(backend.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&backend), length) != 0) return CloseAndFail(fd);
  return fd;
}

}  // namespace fulcrum::l4
