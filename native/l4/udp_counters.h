// UDP listener counters: written by the loop threads, read by the JS thread at any time (relaxed atomics).
#pragma once

#include <atomic>
#include <cstdint>

namespace fulcrum::l4 {

// One per loop thread, written only by it, so two loops never bump the same cache line per datagram;
// stats() sums them. "Client side" is the listener socket: in = from clients, out = replies sent to
// clients; the backend side is the flows' connected sockets. The open-flow count is the listener's own
// (one atomic for all loops, so the cap is exact).
struct alignas(64) UdpCounters {
  std::atomic<uint64_t> datagramsIn{0};
  std::atomic<uint64_t> bytesIn{0};
  std::atomic<uint64_t> datagramsOut{0};
  std::atomic<uint64_t> bytesOut{0};
  std::atomic<uint64_t> backendDatagramsOut{0};
  std::atomic<uint64_t> backendDatagramsIn{0};
  std::atomic<uint64_t> flowsOpened{0};
  std::atomic<uint64_t> flowsClosed{0};
  std::atomic<uint64_t> flowsRefused{0};    // a new client's datagram dropped because maxFlows flows were open
  std::atomic<uint64_t> drainDrops{0};      // a new client's datagram dropped because the listener is draining
  std::atomic<uint64_t> noBackend{0};       // the pool had no backend up: the datagram was dropped
  std::atomic<uint64_t> timeouts{0};        // idle-closed with no reply while responses > 0 expected one
  std::atomic<uint64_t> backendErrors{0};   // ICMP errors on a flow socket (ECONNREFUSED: port unreachable)
  std::atomic<uint64_t> sendErrors{0};      // a datagram sendto/send could not pass (full buffer, ...): dropped
  std::atomic<uint64_t> socketErrors{0};    // socket() for a new flow failed (EMFILE, ...): datagram dropped
  std::atomic<uint64_t> emptyDatagrams{0};  // zero-length client datagrams (forwarded as zero-length)
  std::atomic<uint64_t> drainForcedCloses{0};
};

}  // namespace fulcrum::l4
