// The datagram buffers one UDP loop thread reads into with recvmmsg and sends from with sendmmsg.
// Owned by that loop thread; one batch is in use at a time (client datagrams, or one flow's replies).
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace fulcrum::l4 {

class UdpBatch {
 public:
  static constexpr unsigned kSize = 32;
  // Larger than any UDP payload (65,507 bytes over IPv4, 65,527 over IPv6), so no datagram is ever
  // truncated. 2 MiB of address space per loop, but `new[]` leaves it uninitialised, so a page costs
  // memory only once a datagram that long was written to it (small datagrams touch one page a slot).
  static constexpr size_t kSlotBytes = 65536;

  UdpBatch() : storage_(new uint8_t[kSize * kSlotBytes]) {}
  UdpBatch(const UdpBatch&) = delete;
  UdpBatch& operator=(const UdpBatch&) = delete;

  // Prepares `count` slots for recvmmsg, with room for the sender's address when `withNames`.
  mmsghdr* ForReceive(unsigned count, bool withNames) {
    for (unsigned index = 0; index < count; ++index) {
      iovecs_[index] = {data(index), kSlotBytes};
      msghdr& header = messages_[index].msg_hdr;
      header = msghdr{};
      header.msg_iov = &iovecs_[index];
      header.msg_iovlen = 1;
      if (withNames) {
        header.msg_name = &names_[index];
        header.msg_namelen = sizeof names_[index];
      }
      messages_[index].msg_len = 0;
    }
    return messages_;
  }

  // Turns the first `count` received slots into sendmmsg messages to one address: each sends exactly
  // the bytes it received.
  mmsghdr* ForSendTo(unsigned count, const sockaddr_storage& address, socklen_t addressLength) {
    for (unsigned index = 0; index < count; ++index) {
      iovecs_[index].iov_len = messages_[index].msg_len;
      msghdr& header = messages_[index].msg_hdr;
      header.msg_name = const_cast<sockaddr_storage*>(&address);
      header.msg_namelen = addressLength;
      header.msg_flags = 0;
    }
    return messages_;
  }

  uint8_t* data(unsigned index) { return storage_.get() + static_cast<size_t>(index) * kSlotBytes; }
  size_t length(unsigned index) const { return messages_[index].msg_len; }
  const sockaddr_storage& sender(unsigned index) const { return names_[index]; }
  socklen_t senderLength(unsigned index) const { return messages_[index].msg_hdr.msg_namelen; }

 private:
  std::unique_ptr<uint8_t[]> storage_;
  mmsghdr messages_[kSize];
  iovec iovecs_[kSize];
  sockaddr_storage names_[kSize];
};

}  // namespace fulcrum::l4
