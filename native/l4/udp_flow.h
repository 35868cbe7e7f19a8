// One UDP flow (a client, or with perPacket a client and a backend) and the key the flow table finds it by.
// Created, changed and freed only by the loop thread whose listener socket the client's datagrams reach.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace fulcrum::l4 {

struct UdpFlow;

// What an epoll event points at: the loop's listener socket, its wake eventfd, or a flow's socket.
struct UdpPollSource {
  enum class Kind : uint8_t { Listener, Wake, Flow };
  Kind kind;
  UdpFlow* flow;
};

// The client's address and port, plus the backend when each datagram is balanced on its own
// (otherwise -1). The address bytes are also the balancing key: the IP without the port, as the TCP
// engine hashes it, so one client keeps its backend under consistent hashing over TCP and UDP alike.
struct UdpFlowKey {
  uint8_t address[16] = {};
  uint16_t port = 0;  // network order, as in the sockaddr
  uint8_t family = 0;
  int32_t backendIndex = -1;

  static UdpFlowKey From(const sockaddr_storage& client) {
    UdpFlowKey key;
    key.family = static_cast<uint8_t>(client.ss_family);
    if (client.ss_family == AF_INET6) {
      const auto& v6 = reinterpret_cast<const sockaddr_in6&>(client);
      memcpy(key.address, v6.sin6_addr.s6_addr, 16);
      key.port = v6.sin6_port;
    } else {
      const auto& v4 = reinterpret_cast<const sockaddr_in&>(client);
      memcpy(key.address, &v4.sin_addr.s_addr, 4);
      key.port = v4.sin_port;
    }
    return key;
  }
  size_t hashKeyLength() const { return family == AF_INET6 ? 16 : 4; }
  bool operator==(const UdpFlowKey& other) const {
    return family == other.family && port == other.port && backendIndex == other.backendIndex &&
           memcmp(address, other.address, sizeof address) == 0;
  }
};

struct UdpFlowKeyHash {
  size_t operator()(const UdpFlowKey& key) const {
    // FNV-1a over the fields; the table is per thread and its keys come from the network, but a
    // flood of spoofed sources is bounded by maxFlows, not by the hash.
    uint64_t hash = 1469598103934665603ull;
    auto mix = [&hash](const void* bytes, size_t length) {
      for (size_t index = 0; index < length; ++index) {
        hash ^= static_cast<const uint8_t*>(bytes)[index];
        hash *= 1099511628211ull;
      }
    };
    mix(key.address, key.hashKeyLength());
    mix(&key.port, sizeof key.port);
    mix(&key.backendIndex, sizeof key.backendIndex);
    return static_cast<size_t>(hash);
  }
};

struct UdpFlow {
  UdpPollSource source{UdpPollSource::Kind::Flow, this};
  UdpFlowKey key;
  sockaddr_storage client{};  // where replies go, from the listener socket
  socklen_t clientLength = 0;
  int fd = -1;  // connected to the backend: the kernel drops datagrams from any other source
  int32_t backendIndex = -1;
  uint64_t requests = 0;  // datagrams forwarded to the backend
  uint64_t replies = 0;   // datagrams read from the backend
  uint64_t bytesToBackend = 0;
  // For the access log (native/l4/udp_access_log.h) only, so without it a flow costs no clock read.
  uint64_t bytesFromBackend = 0;
  int64_t openedUs = 0;  // MonotonicUs() at the flow's first datagram
  bool closed = false;   // fd closed and counted; freed at the end of the current epoll batch

  // Intrusive links of the flow table's idle list, oldest activity first.
  UdpFlow* idlePrevious = nullptr;
  UdpFlow* idleNext = nullptr;
  int64_t idleDeadlineMs = 0;
};

}  // namespace fulcrum::l4
