// Parses a configured "ip:port" / "[ipv6]:port" into the sockaddr the L4 engine hands to connect().
#pragma once

#include <sys/socket.h>

#include <string_view>

namespace fulcrum::balancer {

// Numeric literals only: name resolution is the TS control plane's job. Returns false on anything else.
bool ParseSocketAddress(std::string_view address, sockaddr_storage* storage, socklen_t* length);

}  // namespace fulcrum::balancer
