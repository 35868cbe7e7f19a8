// Small socket helpers: address parsing, SO_REUSEPORT listeners, non-blocking connects. Any thread.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace fulcrum::l4 {

// Parses a numeric IPv4 or IPv6 host ("127.0.0.1", "::1") and a port; false when it is not numeric.
bool ParseAddress(const std::string& host, uint16_t port, sockaddr_storage& out, socklen_t& length);

// Opens a non-blocking SO_REUSEPORT listener. Returns the fd, or -errno with `step` naming what failed.
int OpenReusePortListener(const sockaddr_storage& address, socklen_t length, int backlog, const char*& step);

uint16_t BoundPort(int fd);

// Binds a throwaway socket to the address with SO_REUSEADDR but without SO_REUSEPORT, and closes it:
// the bind fails (-EADDRINUSE) only when a socket listens there, any process's, SO_REUSEPORT or not
// (connections in TIME_WAIT do not count). Returns 0 when nothing listens there, or -errno.
int ProbeListeningElsewhere(const sockaddr_storage& address, socklen_t length);

// Starts a non-blocking connect. Returns the fd, or -errno. `connected` is true when loopback
// connected at once, false while it is in progress.
int StartConnect(const sockaddr_storage& address, socklen_t length, bool& connected);

// Closes with SO_LINGER 0, so the peer sees a reset rather than a clean end: used to pass a reset on.
void CloseWithReset(int fd);

void SetNoDelay(int fd);

}  // namespace fulcrum::l4
