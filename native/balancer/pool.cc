// Pool: the lock-free data-plane path (pick/release) and the mutex-serialized control plane.
#include "pool.h"

#include <utility>

#include "picker.h"

namespace fulcrum::balancer {

std::shared_ptr<Pool> Pool::Create(const PoolOptions& options, Status* status) {
  auto pool = std::make_shared<Pool>(options.name);
  *status = pool->update(options);
  return status->ok() ? pool : nullptr;
}

Pool::Pool(std::string name) : name_(std::move(name)) {}

int32_t Pool::pick(const uint8_t* key, size_t keyLength, int32_t avoid) {
  SnapshotCell::ReadGuard guard = snapshot_.read();
  const Snapshot& snapshot = guard.snapshot();
  int32_t index = snapshot.picker->pick(PickRequest{key, keyLength, avoid});
  if (index == kNoPick) {
    // The avoided backend is still better than nothing when it is the only one up.
    if (!snapshot.isMember(avoid) || table_.at(avoid).state.load(std::memory_order_relaxed) != BackendState::Up) {
      return kNoBackend;
    }
    index = avoid;
  }
  Backend& picked = table_.at(index);
  picked.activeConnections.fetch_add(1, std::memory_order_relaxed);
  picked.totalPicks.fetch_add(1, std::memory_order_relaxed);
  load_.activeTotal.fetch_add(1, std::memory_order_relaxed);
  return index;
}

int32_t Pool::pickPinned(int32_t index) {
  SnapshotCell::ReadGuard guard = snapshot_.read();
  if (!guard.snapshot().isMember(index)) return kNoBackend;
  Backend& pinned = table_.at(index);
  const BackendState state = pinned.state.load(std::memory_order_relaxed);
  if (state != BackendState::Up && state != BackendState::Draining) return kNoBackend;
  pinned.activeConnections.fetch_add(1, std::memory_order_relaxed);
  pinned.totalPicks.fetch_add(1, std::memory_order_relaxed);
  load_.activeTotal.fetch_add(1, std::memory_order_relaxed);
  return index;
}

void Pool::release(int32_t index, Outcome outcome) { (void)releaseChecked(index, outcome); }

ReleaseResult Pool::releaseChecked(int32_t index, Outcome outcome) {
  if (!table_.contains(index)) return ReleaseResult::UnknownIndex;
  Backend& backend = table_.at(index);
  // Never below zero: a double release is reported instead of corrupting least-connections.
  int64_t active = backend.activeConnections.load(std::memory_order_relaxed);
  do {
    if (active <= 0) return ReleaseResult::NotActive;
  } while (!backend.activeConnections.compare_exchange_weak(active, active - 1, std::memory_order_relaxed));
  load_.activeTotal.fetch_sub(1, std::memory_order_relaxed);
  if (IsFailure(outcome)) {
    backend.failures.fetch_add(1, std::memory_order_relaxed);
    backend.consecutiveFailures.fetch_add(1, std::memory_order_relaxed);
  } else if (outcome == Outcome::Success) {
    backend.consecutiveFailures.store(0, std::memory_order_relaxed);
  }
  return ReleaseResult::Released;
}

void Pool::recordLatency(int32_t index, double latencyMs) {
  if (!table_.contains(index) || !(latencyMs >= 0)) return;
  table_.at(index).latency.observe(latencyMs, LatencyClockMs(), latencyHalfLifeMs_.load(std::memory_order_relaxed));
}

double Pool::latencyEwmaMs(int32_t index) const {
  if (!table_.contains(index)) return PeakEwma::kNoSamples;
  return table_.at(index).latency.read(LatencyClockMs(), latencyHalfLifeMs_.load(std::memory_order_relaxed));
}

const Backend& Pool::backend(int32_t index) const { return table_.at(index); }

size_t Pool::size() const { return static_cast<size_t>(table_.size()); }

bool Pool::isMember(int32_t index) const {
  return table_.contains(index) && table_.at(index).inPool.load(std::memory_order_relaxed);
}

Status Pool::update(const PoolOptions& options) {
  std::lock_guard lock(controlMutex_);
  if (options.name != name_)
    return Status::Error("pool \"" + name_ + "\" cannot be renamed to \"" + options.name + "\"");
  Status valid = ValidatePoolOptions(options);
  if (!valid.ok()) return valid;

  std::vector<Member> members;
  for (const BackendOptions& listed : options.backends) {
    int32_t index = table_.find(listed.address);
    if (index < 0) index = table_.append(listed.address, static_cast<uint32_t>(listed.weight));
    if (index < 0) {
      return Status::Error("pool \"" + name_ + "\" has held " + std::to_string(BackendTable::kCapacity) +
                           " distinct addresses, its limit; create a new pool");
    }
    const Backend& backend = table_.at(index);
    const auto weight = static_cast<uint32_t>(listed.weight);
    const bool keepsSlowStart = backend.inPool.load() && backend.weight.load() == weight;
    members.push_back({index, keepsSlowStart ? backend.effectiveWeight.load() : weight});
  }
  std::unique_ptr<Snapshot> snapshot;
  Status built = buildSnapshotLocked(options, members, &snapshot);
  if (!built.ok()) return built;

  std::vector<bool> listed(static_cast<size_t>(table_.size()), false);
  for (size_t position = 0; position < members.size(); ++position) {
    Backend& backend = table_.at(members[position].index);
    listed[static_cast<size_t>(members[position].index)] = true;
    if (!backend.inPool.exchange(true)) {
      // A backend (re)joining the pool starts clean: Up, with no failure streak and no latency figure.
      backend.state.store(BackendState::Up);
      backend.consecutiveFailures.store(0);
      backend.latency.reset();
    }
    backend.weight.store(static_cast<uint32_t>(options.backends[position].weight));
    backend.effectiveWeight.store(members[position].weight);
  }
  for (int32_t index = 0; index < table_.size(); ++index) {
    if (!listed[static_cast<size_t>(index)]) table_.at(index).inPool.store(false);
  }
  options_ = options;
  latencyHalfLifeMs_.store(options.latencyHalfLifeMs, std::memory_order_relaxed);
  memberSlots_.clear();
  for (const Member& member : members) memberSlots_.push_back(member.index);
  snapshot_.publish(std::move(snapshot));
  recomputeUpWeightLocked();
  return Status::Ok();
}

Status Pool::setState(int32_t index, BackendState state) {
  std::lock_guard lock(controlMutex_);
  Status member = checkMember(index);
  if (!member.ok()) return member;
  Backend& backend = table_.at(index);
  // Finagle's behaviour: a backend that went down (or was disabled) may come back as another process,
  // so it returns with no latency figure and is treated as average until it has its own.
  if (state == BackendState::Down || state == BackendState::Disabled) backend.latency.reset();
  backend.state.store(state);
  recomputeUpWeightLocked();
  return Status::Ok();
}

Status Pool::setWeight(int32_t index, double weight) {
  std::lock_guard lock(controlMutex_);
  Status member = checkMember(index);
  if (!member.ok()) return member;
  Status valid = ValidateWeight(weight, "pool \"" + name_ + "\": weight");
  if (!valid.ok()) return valid;
  Backend& backend = table_.at(index);
  const uint32_t previousWeight = backend.weight.exchange(static_cast<uint32_t>(weight));
  const uint32_t previousEffective = backend.effectiveWeight.exchange(static_cast<uint32_t>(weight));
  Status rebuilt = rebuildLocked();
  if (!rebuilt.ok()) {
    backend.weight.store(previousWeight);
    backend.effectiveWeight.store(previousEffective);
  }
  return rebuilt;
}

Status Pool::setEffectiveWeight(int32_t index, double weight) {
  std::lock_guard lock(controlMutex_);
  Status member = checkMember(index);
  if (!member.ok()) return member;
  Backend& backend = table_.at(index);
  Status valid = ValidateWeight(weight, "pool \"" + name_ + "\": effective weight");
  if (!valid.ok()) return valid;
  if (weight > backend.weight.load()) {
    return Status::Error("pool \"" + name_ + "\": effective weight " + std::to_string(static_cast<uint32_t>(weight)) +
                         " is above backend " + std::to_string(index) + "'s weight " +
                         std::to_string(backend.weight.load()));
  }
  const uint32_t previousEffective = backend.effectiveWeight.exchange(static_cast<uint32_t>(weight));
  Status rebuilt = rebuildLocked();
  if (!rebuilt.ok()) backend.effectiveWeight.store(previousEffective);
  return rebuilt;
}

PoolOptions Pool::options() const {
  std::lock_guard lock(controlMutex_);
  return options_;
}

Status Pool::checkMember(int32_t index) const {
  if (!table_.contains(index)) {
    return Status::Error("pool \"" + name_ + "\" has no backend index " + std::to_string(index) + " (valid: 0 to " +
                         std::to_string(table_.size() - 1) + ")");
  }
  if (!table_.at(index).inPool.load()) {
    return Status::Error("pool \"" + name_ + "\": backend " + std::to_string(index) + " (" + table_.at(index).address +
                         ") was removed from the pool");
  }
  return Status::Ok();
}

Status Pool::buildSnapshotLocked(const PoolOptions& options, const std::vector<Member>& members,
                                 std::unique_ptr<Snapshot>* snapshot) const {
  auto built = std::make_unique<Snapshot>();
  built->members = members;
  built->isMemberBySlot.assign(static_cast<size_t>(table_.size()), false);
  for (const Member& member : members) built->isMemberBySlot[static_cast<size_t>(member.index)] = true;
  Status status = BuildPicker(PickerInput{table_, load_, options, members}, &built->picker);
  if (!status.ok()) return Status::Error("pool \"" + name_ + "\": " + status.message());
  *snapshot = std::move(built);
  return Status::Ok();
}

Status Pool::rebuildLocked() {
  std::vector<Member> members;
  for (int32_t index : memberSlots_) members.push_back({index, table_.at(index).effectiveWeight.load()});
  std::unique_ptr<Snapshot> snapshot;
  Status built = buildSnapshotLocked(options_, members, &snapshot);
  if (!built.ok()) return built;
  snapshot_.publish(std::move(snapshot));
  recomputeUpWeightLocked();
  return Status::Ok();
}

void Pool::recomputeUpWeightLocked() {
  uint64_t upWeight = 0;
  for (int32_t index : memberSlots_) {
    const Backend& backend = table_.at(index);
    if (backend.state.load() == BackendState::Up) upWeight += backend.effectiveWeight.load();
  }
  load_.upWeight.store(upWeight);
}

}  // namespace fulcrum::balancer
