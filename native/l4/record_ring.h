// A bounded lock-free ring of fixed-size records: one loop thread is the only producer, the JS thread
// the only consumer. A full ring drops and counts instead of blocking the loop. The TCP access log
// (access_log.h) and the UDP flow log (udp_access_log.h) each keep one per loop thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace fulcrum::l4 {

template <typename Record>
class RecordRing {
 public:
  // A power of two; at 250 ms between JS drains this holds 65k closes a second per loop thread.
  static constexpr uint64_t kCapacity = 16384;

  RecordRing() : records_(new Record[kCapacity]) {}

  // The loop thread; false (and counted) when full.
  bool TryPush(const Record& record) {
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

  // The JS thread; oldest first.
  size_t Take(Record* out, size_t maxRecords) {
    uint64_t head = head_.load(std::memory_order_relaxed);
    uint64_t available = tail_.load(std::memory_order_acquire) - head;
    size_t count = static_cast<size_t>(std::min<uint64_t>(available, maxRecords));
    for (size_t index = 0; index < count; ++index) out[index] = records_[(head + index) & (kCapacity - 1)];
    head_.store(head + count, std::memory_order_release);
    return count;
  }

  // The JS thread: records waiting.
  size_t size() const {
    return static_cast<size_t>(tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_relaxed));
  }

  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }  // any thread

 private:
  std::unique_ptr<Record[]> records_;
  // Producer and consumer indices on their own cache lines, so the two threads do not share one.
  alignas(64) std::atomic<uint64_t> tail_{0};  // next slot the loop thread writes
  std::atomic<uint64_t> dropped_{0};
  alignas(64) std::atomic<uint64_t> head_{0};  // next slot the JS thread reads
};

}  // namespace fulcrum::l4
