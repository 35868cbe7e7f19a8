// Control plane only (runs while a backend is being added); no shared state.
#include "socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <string>

namespace fulcrum::balancer {

namespace {

bool ParsePort(std::string_view text, uint16_t* port) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end || value == 0 || value > 65535) return false;
  *port = static_cast<uint16_t>(value);
  return true;
}

}  // namespace

bool ParseSocketAddress(std::string_view address, sockaddr_storage* storage, socklen_t* length) {
  std::memset(storage, 0, sizeof(*storage));
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return false;
  std::string_view host = address.substr(0, colon);
  uint16_t port = 0;
  if (!ParsePort(address.substr(colon + 1), &port)) return false;

  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    std::string literal(host.substr(1, host.size() - 2));
    auto* ipv6 = reinterpret_cast<sockaddr_in6*>(storage);
    if (inet_pton(AF_INET6, literal.c_str(), &ipv6->sin6_addr) != 1) return false;
    ipv6->sin6_family = AF_INET6;
    ipv6->sin6_port = htons(port);
    *length = sizeof(sockaddr_in6);
    return true;
  }
  std::string literal(host);
  auto* ipv4 = reinterpret_cast<sockaddr_in*>(storage);
  if (inet_pton(AF_INET, literal.c_str(), &ipv4->sin_addr) != 1) return false;
  ipv4->sin_family = AF_INET;
  ipv4->sin_port = htons(port);
  *length = sizeof(sockaddr_in);
  return true;
}

}  // namespace fulcrum::balancer
