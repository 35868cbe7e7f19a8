// The UDP engine under TSan: client threads make round trips through a two-thread UdpListener while
// this thread reads its counters and takes flow records, then a drain joins the loops. Every reply
// reaches its own client, the counters add up, every pick is released, and every flow has one record.
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "balancer_fixture.h"
#include "check.h"
#include "l4/udp_listener.h"

using namespace fulcrum;

namespace {

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

int BoundUdpSocket() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = Loopback(0);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  return fd;
}

// Echoes every datagram back to its sender until `stop`.
void EchoUntil(int fd, const std::atomic<bool>& stop) {
  char buffer[2048];
  while (!stop.load()) {
    pollfd ready{fd, POLLIN, 0};
    if (poll(&ready, 1, 20) <= 0) continue;
    sockaddr_storage sender{};
    socklen_t senderLength = sizeof sender;
    ssize_t length = recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&sender), &senderLength);
    if (length >= 0)
      sendto(fd, buffer, static_cast<size_t>(length), 0, reinterpret_cast<sockaddr*>(&sender), senderLength);
  }
}

// Sends numbered datagrams one at a time and counts the replies that echo exactly what was sent.
int RoundTrips(uint16_t proxyPort, int client, int count) {
  int fd = BoundUdpSocket();
  sockaddr_in proxy = Loopback(proxyPort);
  connect(fd, reinterpret_cast<sockaddr*>(&proxy), sizeof proxy);
  int matched = 0;
  char reply[64];
  for (int index = 0; index < count; ++index) {
    std::string payload = std::to_string(client) + "-" + std::to_string(index);
    send(fd, payload.data(), payload.size(), 0);
    pollfd ready{fd, POLLIN, 0};
    if (poll(&ready, 1, 2000) <= 0) continue;
    ssize_t length = recv(fd, reply, sizeof reply, 0);
    if (length == static_cast<ssize_t>(payload.size()) &&
        payload.compare(0, payload.size(), reply, payload.size()) == 0)
      ++matched;
  }
  close(fd);
  return matched;
}

}  // namespace

TEST(UdpEngineRelaysRoundTripsAcrossThreadsWhileCountersAreRead) {
  int echoFd = BoundUdpSocket();
  sockaddr_in echoAddress{};
  socklen_t echoLength = sizeof echoAddress;
  getsockname(echoFd, reinterpret_cast<sockaddr*>(&echoAddress), &echoLength);
  std::atomic<bool> stopEcho{false};
  std::thread echo(EchoUntil, echoFd, std::cref(stopEcho));

  balancer::PoolOptions poolOptions;
  poolOptions.name = "udp-engine-test";
  poolOptions.backends.push_back({"127.0.0.1:" + std::to_string(ntohs(echoAddress.sin_port)), 1});
  auto pool = test::MakePool(poolOptions);
  l4::UdpListenerOptions options;
  options.host = "127.0.0.1";
  options.poolName = poolOptions.name;
  options.workers = 2;
  options.idleTimeoutMs = 5000;
  options.maxFlows = 1000;
  options.responses = 1;
  options.accessLog = true;
  l4::ListenerError error;
  auto listener = l4::UdpListener::Create(options, pool, error);
  CHECK(listener != nullptr);
  if (!listener) return;
  listener->Start();

  constexpr int kClients = 4;
  constexpr int kTripsEach = 500;
  std::atomic<int> matched{0};
  std::vector<std::thread> clients;
  for (int client = 0; client < kClients; ++client) {
    clients.emplace_back([&, client] { matched += RoundTrips(listener->port(), client, kTripsEach); });
  }
  uint64_t observed = 0;  // the JS thread's role: read counters and take records while the loops write
  std::vector<l4::UdpFlowRecord> records;
  auto takeRecords = [&] {
    for (const auto& ring : listener->accessLogs) {
      std::vector<l4::UdpFlowRecord> batch(ring->size());
      batch.resize(ring->Take(batch.data(), batch.size()));
      records.insert(records.end(), batch.begin(), batch.end());
    }
  };
  for (int read = 0; read < 200; ++read) {
    observed = std::max(observed, listener->Sum(&l4::UdpCounters::datagramsOut));
    takeRecords();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (auto& client : clients) client.join();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (listener->Sum(&l4::UdpCounters::flowsClosed) < kClients * kTripsEach &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  listener->Drain(0);
  listener->Join();
  stopEcho.store(true);
  echo.join();
  close(echoFd);
  takeRecords();  // the rings outlive the joined loops

  size_t wellFormed = 0;
  for (const auto& record : records) {
    // One request and its echo, "c-i" of 3 to 5 bytes each way, from a loopback client to the echo.
    wellFormed += record.ending == static_cast<uint8_t>(l4::UdpFlowEnding::Responses) &&
                  record.datagramsClientToBackend == 1 && record.datagramsBackendToClient == 1 &&
                  record.bytesClientToBackend >= 3 && record.bytesBackendToClient == record.bytesClientToBackend &&
                  record.backendIndex == 0 && record.backendPort == ntohs(echoAddress.sin_port) &&
                  record.clientFamily == 4 && record.clientAddress[0] == 127 && record.clientPort != 0;
  }
  CHECK_EQ(records.size(), static_cast<size_t>(kClients * kTripsEach));
  CHECK_EQ(wellFormed, records.size());

  CHECK_EQ(matched.load(), kClients * kTripsEach);
  CHECK_EQ(listener->Sum(&l4::UdpCounters::flowsOpened), static_cast<uint64_t>(kClients * kTripsEach));
  CHECK_EQ(listener->Sum(&l4::UdpCounters::flowsClosed), static_cast<uint64_t>(kClients * kTripsEach));
  CHECK_EQ(listener->flowsActive(), 0);
  CHECK_EQ(listener->Sum(&l4::UdpCounters::datagramsOut), static_cast<uint64_t>(kClients * kTripsEach));
  CHECK_EQ(pool->backend(0).activeConnections.load(), 0);
  CHECK(observed <= static_cast<uint64_t>(kClients * kTripsEach));
}
