// The flows of one UDP loop thread, by key and by last activity.
#include "l4/udp_flow_table.h"

namespace fulcrum::l4 {

UdpFlow* UdpFlowTable::Find(const UdpFlowKey& key) const {
  auto found = byKey_.find(key);
  return found == byKey_.end() ? nullptr : found->second;
}

void UdpFlowTable::Insert(UdpFlow& flow, int64_t nowMs) {
  byKey_.emplace(flow.key, &flow);
  Append(flow, nowMs);
}

void UdpFlowTable::Erase(UdpFlow& flow) {
  byKey_.erase(flow.key);
  Unlink(flow);
}

void UdpFlowTable::Touch(UdpFlow& flow, int64_t nowMs) {
  Unlink(flow);
  Append(flow, nowMs);
}

void UdpFlowTable::Unlink(UdpFlow& flow) {
  if (flow.idlePrevious)
    flow.idlePrevious->idleNext = flow.idleNext;
  else if (head_ == &flow)
    head_ = flow.idleNext;
  if (flow.idleNext)
    flow.idleNext->idlePrevious = flow.idlePrevious;
  else if (tail_ == &flow)
    tail_ = flow.idlePrevious;
  flow.idlePrevious = flow.idleNext = nullptr;
}

void UdpFlowTable::Append(UdpFlow& flow, int64_t nowMs) {
  flow.idleDeadlineMs = nowMs + idleTimeoutMs_;
  flow.idlePrevious = tail_;
  flow.idleNext = nullptr;
  if (tail_)
    tail_->idleNext = &flow;
  else
    head_ = &flow;
  tail_ = &flow;
}

}  // namespace fulcrum::l4
