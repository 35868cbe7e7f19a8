// SnapshotCell::publish runs on the control plane; it waits for readers, readers never wait for it.
#include "snapshot_cell.h"

#include <thread>

namespace fulcrum::balancer {

void SnapshotCell::waitForReadersOfEpoch(uint32_t epoch) const {
  const std::atomic<int64_t>& readers = readers_[epoch & 1].value;
  // A reader holds its count for one pick (well under a microsecond), so this rarely spins long.
  while (readers.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
}

void SnapshotCell::publish(std::unique_ptr<Snapshot> next) {
  const Snapshot* previous = current_.exchange(next.release(), std::memory_order_seq_cst);
  if (previous == nullptr) return;
  // Flip twice: first drain the counter readers were joining, then the other one, which may hold
  // stragglers from an older epoch that also loaded the previous snapshot.
  waitForReadersOfEpoch(epoch_.fetch_add(1, std::memory_order_seq_cst));
  waitForReadersOfEpoch(epoch_.fetch_add(1, std::memory_order_seq_cst));
  delete previous;
}

}  // namespace fulcrum::balancer
