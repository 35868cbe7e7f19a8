// The flows of one UDP loop thread: found by key, and kept in order of last activity so the idle
// timeout checks only the oldest. Owned and touched only by that loop thread; no locks.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "l4/udp_flow.h"

namespace fulcrum::l4 {

class UdpFlowTable {
 public:
  explicit UdpFlowTable(int64_t idleTimeoutMs) : idleTimeoutMs_(idleTimeoutMs) {}
  UdpFlowTable(const UdpFlowTable&) = delete;
  UdpFlowTable& operator=(const UdpFlowTable&) = delete;

  UdpFlow* Find(const UdpFlowKey& key) const;
  void Insert(UdpFlow& flow, int64_t nowMs);  // the flow's key must not be in the table yet
  void Erase(UdpFlow& flow);
  // A datagram moved either way: the flow goes to the tail with a fresh deadline. All flows share one
  // timeout, so appending keeps the list sorted and expiry looks only at the head.
  void Touch(UdpFlow& flow, int64_t nowMs);

  UdpFlow* oldest() const { return head_; }
  size_t size() const { return byKey_.size(); }

 private:
  void Unlink(UdpFlow& flow);
  void Append(UdpFlow& flow, int64_t nowMs);

  int64_t idleTimeoutMs_;
  std::unordered_map<UdpFlowKey, UdpFlow*, UdpFlowKeyHash> byKey_;
  UdpFlow* head_ = nullptr;
  UdpFlow* tail_ = nullptr;
};

}  // namespace fulcrum::l4
