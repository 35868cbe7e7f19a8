// The atomic pointer to a pool's current Snapshot, with reader counts so the writer knows when an old one is free.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "snapshot.h"

namespace fulcrum::balancer {

// A grace-period scheme in the style of userspace RCU, sized for one writer (the control plane,
// which the Pool serializes) and any number of readers (data-plane threads). Readers never wait:
// they bump a counter, load the pointer, and drop the counter when done. The writer publishes the
// new snapshot, then waits until each of the two reader counters has been seen at zero after the
// swap; any reader that could still hold the old snapshot is counted in one of them. New readers
// join the other counter (the epoch flips), so the writer's wait ends even under constant picking.
class SnapshotCell {
 public:
  class ReadGuard {
   public:
    ReadGuard(const Snapshot* snapshot, std::atomic<int64_t>* readers) : snapshot_(snapshot), readers_(readers) {}
    ReadGuard(const ReadGuard&) = delete;
    ReadGuard& operator=(const ReadGuard&) = delete;
    ~ReadGuard() { readers_->fetch_sub(1, std::memory_order_release); }
    const Snapshot& snapshot() const { return *snapshot_; }

   private:
    const Snapshot* snapshot_;
    std::atomic<int64_t>* readers_;
  };

  SnapshotCell() = default;
  SnapshotCell(const SnapshotCell&) = delete;
  SnapshotCell& operator=(const SnapshotCell&) = delete;
  ~SnapshotCell() { delete current_.load(std::memory_order_acquire); }

  // Any thread, lock-free. Only valid after the first publish.
  ReadGuard read() const {
    std::atomic<int64_t>& readers = readers_[epoch_.load(std::memory_order_seq_cst) & 1].value;
    readers.fetch_add(1, std::memory_order_seq_cst);
    return ReadGuard(current_.load(std::memory_order_seq_cst), &readers);
  }

  // Control plane only, never concurrently with itself. Frees the previous snapshot before returning.
  void publish(std::unique_ptr<Snapshot> next);

 private:
  struct alignas(64) ReaderCount {
    std::atomic<int64_t> value{0};
  };

  void waitForReadersOfEpoch(uint32_t epoch) const;

  mutable ReaderCount readers_[2];
  std::atomic<uint32_t> epoch_{0};
  std::atomic<const Snapshot*> current_{nullptr};
};

}  // namespace fulcrum::balancer
