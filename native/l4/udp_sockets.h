// UDP socket helpers: the SO_REUSEPORT listener socket of each loop and a flow's connected socket. Any thread.
#pragma once

#include <sys/socket.h>

namespace fulcrum::l4 {

// A non-blocking SO_REUSEPORT datagram socket bound to the address. Returns the fd, or -errno with
// `step` naming what failed.
int OpenReusePortDatagram(const sockaddr_storage& address, socklen_t length, const char*& step);

// A non-blocking datagram socket connect()ed to the backend (UDP connect only sets the peer, so it
// never blocks). Returns the fd, or -errno.
int OpenConnectedDatagram(const sockaddr_storage& backend, socklen_t length);

}  // namespace fulcrum::l4
