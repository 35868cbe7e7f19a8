// The TCP access log ring: one loop thread pushes closed-connection records, the JS thread takes them.
#include "l4/access_log.h"

#include <netinet/in.h>

#include <algorithm>
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

bool AccessLogRing::TryPush(const AccessRecord& record) {
  uint64_t tail = tail_.load(std::memory_order_relaxed);
  // Acquire pairs with Take's release: the JS thread has finished copying the slot it gave back.
  if (tail - head_.load(std::memory_order_acquire) >= kCapacity) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  records_[tail & (kCapacity - 1)] = record;
  tail_.store(tail + 1, std::memory_order_release);  // publishes the slot's bytes with the index
  return true;
}

size_t AccessLogRing::Take(AccessRecord* out, size_t maxRecords) {
  uint64_t head = head_.load(std::memory_order_relaxed);
  uint64_t available = tail_.load(std::memory_order_acquire) - head;
  size_t count = static_cast<size_t>(std::min<uint64_t>(available, maxRecords));
  for (size_t index = 0; index < count; ++index) out[index] = records_[(head + index) & (kCapacity - 1)];
  head_.store(head + count, std::memory_order_release);
  return count;
}

size_t AccessLogRing::size() const {
  return static_cast<size_t>(tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_relaxed));
}

}  // namespace fulcrum::l4
