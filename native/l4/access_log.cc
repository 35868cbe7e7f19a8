// Access log records: socket addresses stored as fixed-size bytes (TCP and UDP records alike).
#include "l4/access_log.h"

#include <netinet/in.h>

#include <cstring>

namespace fulcrum::l4 {

void StoreAddress(const sockaddr_storage& address, uint8_t& family, uint16_t& port, uint8_t (&bytes)[16]) {
  memset(bytes, 0, sizeof bytes);
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    family = 4;
    port = ntohs(v4.sin_port);
    memcpy(bytes, &v4.sin_addr, sizeof v4.sin_addr);
  } else if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    family = 6;
    port = ntohs(v6.sin6_port);
    memcpy(bytes, &v6.sin6_addr, sizeof v6.sin6_addr);
  } else {
    family = 0;
    port = 0;
  }
}

}  // namespace fulcrum::l4
