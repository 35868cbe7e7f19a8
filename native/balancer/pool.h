// A named backend pool shared by every thread in the process: the table, its current picker, and the registry lookup.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "backend.h"
#include "backend_table.h"
#include "picker.h"
#include "pool_load.h"
#include "pool_options.h"
#include "snapshot_cell.h"
#include "status.h"

namespace fulcrum::balancer {

enum class ReleaseResult : uint8_t { Released, UnknownIndex, NotActive };

// Data-plane calls (pick, release, backend, size) are lock-free and may run on any thread at once:
// native L4 threads, the main thread, worker threads. Control-plane calls (update, setState,
// setWeight, setEffectiveWeight) may come from any thread too; a mutex serializes them with each
// other, never with a pick. Membership and weight changes build a new Snapshot off to the side and
// swap it in whole.
class Pool {
 public:
  static constexpr int32_t kNoBackend = -1;

  // Validates options; on error returns nullptr and says why in *status.
  static std::shared_ptr<Pool> Create(const PoolOptions& options, Status* status);

  explicit Pool(std::string name);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Any thread, lock-free. key == nullptr means "no key" (hash pickers then fall back to round robin).
  // avoid = index not to return unless it is the only one up (kNoBackend for none).
  // On success activeConnections and totalPicks of the picked backend are already incremented.
  int32_t pick(const uint8_t* key, size_t keyLength, int32_t avoid);
  // Any thread, lock-free: counts a pick of exactly index (sticky sessions choose it in TS) when it is a
  // member that is Up or Draining (a draining backend still serves the sessions pinned to it); else kNoBackend.
  int32_t pickPinned(int32_t index);
  void release(int32_t index, Outcome outcome);  // any thread; decrements activeConnections, counts failures
  // Any thread, lock-free: one latency sample of index for its peak-EWMA (L7: time to the response head;
  // L4: connect time; a failure: the caller's penalty). Ignored for an unknown index or a negative sample.
  void recordLatency(int32_t index, double latencyMs);
  // Any thread: index's peak-EWMA decayed to now, or PeakEwma::kNoSamples.
  double latencyEwmaMs(int32_t index) const;
  const Backend& backend(int32_t index) const;  // indices are stable for the Pool's lifetime
  size_t size() const;                          // slots ever used, members or not

  // release, but says when the index is unknown or the backend had no active connection (a double release).
  ReleaseResult releaseChecked(int32_t index, Outcome outcome);
  bool contains(int32_t index) const { return table_.contains(index); }
  bool isMember(int32_t index) const;
  const std::string& name() const { return name_; }
  int64_t activeTotal() const { return load_.activeTotal.load(std::memory_order_relaxed); }

  // Control plane. update replaces algorithm, ring and membership: listed addresses keep their slot
  // and counters (a re-added address gets its old slot back, Up); unlisted ones leave the pool.
  Status update(const PoolOptions& options);
  Status setState(int32_t index, BackendState state);
  Status setWeight(int32_t index, double weight);           // also resets effectiveWeight to it
  Status setEffectiveWeight(int32_t index, double weight);  // 1..weight, for slow start
  PoolOptions options() const;                              // a copy of the current configuration

 private:
  Status checkMember(int32_t index) const;
  Status buildSnapshotLocked(const PoolOptions& options, const std::vector<Member>& members,
                             std::unique_ptr<Snapshot>* snapshot) const;
  Status rebuildLocked();  // builds and publishes a snapshot from memberSlots_ and their effective weights
  void recomputeUpWeightLocked();

  const std::string name_;
  BackendTable table_;
  PoolLoad load_;
  SnapshotCell snapshot_;
  mutable std::mutex controlMutex_;   // serializes control-plane calls; picks never take it
  PoolOptions options_;               // guarded by controlMutex_
  std::vector<int32_t> memberSlots_;  // guarded by controlMutex_; configuration order
  std::atomic<uint32_t> latencyHalfLifeMs_{kDefaultLatencyHalfLifeMs};  // control plane writes, data planes read
};

std::shared_ptr<Pool> FindPool(std::string_view name);  // process-wide registry, any thread; nullptr if absent

}  // namespace fulcrum::balancer
