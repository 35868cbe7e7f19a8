// One native loop thread of a UDP listener: its own epoll, its own SO_REUSEPORT socket (the kernel
// hashes each client's address to one of them, so a flow lives on one thread without locks), and the
// flows of the clients it hears from. Everything here is touched only by that thread, except the
// members marked "any thread".
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "balancer/pool.h"
#include "l4/udp_access_log.h"
#include "l4/udp_batch.h"
#include "l4/udp_counters.h"
#include "l4/udp_flow_table.h"

namespace fulcrum::l4 {

class UdpListener;

class UdpLoop {
 public:
  // accessLog: null unless the access log is on; this loop is then its only producer.
  UdpLoop(UdpListener& listener, UdpCounters& counters, int socketFd, UdpAccessLogRing* accessLog);
  ~UdpLoop();  // closes every flow still open (the thread has returned by then) and the sockets
  UdpLoop(const UdpLoop&) = delete;
  UdpLoop& operator=(const UdpLoop&) = delete;

  bool Init(int& error);  // JS thread, before the thread starts: epoll and eventfd
  void Run();             // the thread body; returns once drained

  void RequestDrain(int64_t deadlineAtMs);  // any thread

 private:
  // udp_loop.cc: the loop, the wake-up, timers and drain.
  void Dispatch(const epoll_event& event);
  void HandleWake();
  int WaitTimeoutMs() const;
  void ExpireIdleFlows();
  void CloseAllForDrain();
  void FreeClosedFlows();

  // udp_flow_machine.cc: client datagrams in, flows opened, replies out, flows closed.
  void ReadClientDatagrams();
  void OnClientDatagram(const sockaddr_storage& client, socklen_t clientLength, const uint8_t* data, size_t length);
  UdpFlow* OpenFlow(const UdpFlowKey& key, const sockaddr_storage& client, socklen_t clientLength, int32_t picked);
  int32_t PickBackend(const UdpFlowKey& key);
  void ForwardToBackend(UdpFlow& flow, const uint8_t* data, size_t length);
  void ReadReplies(UdpFlow& flow);
  void SendToClient(UdpFlow& flow, unsigned count);
  void OnFlowError(UdpFlow& flow, int error);
  void CloseFlow(UdpFlow& flow, balancer::Outcome outcome, UdpFlowEnding ending);
  void RecordClose(const UdpFlow& flow, UdpFlowEnding ending);
  uint64_t ExpectedReplies(const UdpFlow& flow) const;
  balancer::Outcome EndOutcome(const UdpFlow& flow) const;

  UdpListener& listener_;
  UdpCounters& counters_;        // this loop's own; the listener sums them for stats()
  UdpAccessLogRing* accessLog_;  // the listener owns it, so JS can still take its records after the join
  balancer::Pool& pool_;
  const uint32_t responses_;
  const bool perPacket_;
  int socketFd_;
  int epollFd_ = -1;
  int wakeFd_ = -1;
  UdpPollSource socketSource_{UdpPollSource::Kind::Listener, nullptr};
  UdpPollSource wakeSource_{UdpPollSource::Kind::Wake, nullptr};
  UdpBatch batch_;
  UdpFlowTable flows_;
  std::vector<UdpFlow*> closedThisBatch_;  // closed flows whose events may still be in this epoll batch
  int64_t nowMs_ = 0;
  // The backend whose port refused this loop's last flow, and when: new flows avoid it for a moment,
  // so a client's next datagram fails over even under consistent hashing, before health checks act.
  int32_t refusedBackend_ = balancer::Pool::kNoBackend;
  int64_t refusedAtMs_ = 0;
  bool socketShortageLogged_ = false;  // one warning per descriptor shortage; cleared by the next socket()
  bool draining_ = false;
  int64_t drainDeadlineMs_ = 0;

  std::atomic<int64_t> requestedDrainAtMs_{-1};  // any thread writes; -1 while no drain is asked
};

}  // namespace fulcrum::l4
