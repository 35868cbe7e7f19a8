// Consistent hashing: a key always lands on the same backend (Maglev or ketama ring), optionally with bounded loads.
#include <algorithm>
#include <utility>

#include "bounded_load.h"
#include "cycle_picker.h"
#include "ring.h"

namespace fulcrum::balancer {

namespace {

// Keys are hashed on the calling thread; the ring and weights are immutable, state and counts are
// live atomics. A key whose owner is down or over its cap walks on to the next positions, so it
// returns to its owner as soon as the owner is eligible again.
class ConsistentHashPicker final : public Picker {
 public:
  ConsistentHashPicker(const PickerInput& input, std::unique_ptr<Ring> ring)
      : table_(input.table),
        load_(input.load),
        balanceFactor_(input.options.balanceFactor),
        members_(input.members),
        ring_(std::move(ring)),
        keylessFallback_(input.table, MemberIndices(input.members)) {
    for (const Member& member : members_) {
      if (static_cast<size_t>(member.index) >= weightBySlot_.size()) weightBySlot_.resize(member.index + 1, 0);
      weightBySlot_[member.index] = member.weight;
    }
  }

  int32_t pick(const PickRequest& request) const override {
    if (request.key == nullptr) return keylessFallback_.pick(request);
    if (members_.empty()) return kNoPick;
    const uint64_t keyHash = ring_->hashKey(request.key, request.keyLength);
    const size_t count = ring_->positionCount();
    const size_t start = ring_->positionOf(keyHash);
    // Walking the whole ring when nearly everything is down would cost a full table per pick, so
    // the walk is bounded and then a scan of the members (from a key-derived start) decides.
    const size_t walkLimit = std::min(count, std::max<size_t>(256, members_.size() * 8));
    int32_t firstPickable = kNoPick;
    for (size_t step = 0; step < walkLimit; ++step) {
      int32_t index = ring_->backendAt((start + step) % count);
      if (index == firstPickable || !IsPickable(table_, index, request.avoid)) continue;
      if (isEligible(index)) return index;
      if (firstPickable == kNoPick) firstPickable = index;
    }
    for (size_t offset = 0; offset < members_.size(); ++offset) {
      int32_t index = members_[(keyHash + offset) % members_.size()].index;
      if (!IsPickable(table_, index, request.avoid)) continue;
      if (isEligible(index)) return index;
      if (firstPickable == kNoPick) firstPickable = index;
    }
    return firstPickable;  // everyone eligible is over the cap: the first Up candidate still serves
  }

 private:
  static std::vector<int32_t> MemberIndices(const std::vector<Member>& members) {
    std::vector<int32_t> indices;
    for (const Member& member : members) indices.push_back(member.index);
    return indices;
  }

  bool isEligible(int32_t index) const {
    if (balanceFactor_ == 0) return true;
    int64_t active = table_.at(index).activeConnections.load(std::memory_order_relaxed);
    return IsUnderLoadCap(load_, balanceFactor_, active, weightBySlot_[static_cast<size_t>(index)]);
  }

  const BackendTable& table_;
  const PoolLoad& load_;
  const uint32_t balanceFactor_;
  const std::vector<Member> members_;
  const std::unique_ptr<Ring> ring_;
  const CyclePicker keylessFallback_;  // "no key" means round robin, as the Pool contract says
  std::vector<uint32_t> weightBySlot_;
};

}  // namespace

Status BuildConsistentHash(const PickerInput& input, std::unique_ptr<Picker>* picker) {
  std::unique_ptr<Ring> ring;
  if (input.options.ringKind == RingKind::Maglev) {
    ring = BuildMaglevRing(input.table, input.members, input.options.maglevTableSize);
  } else {
    Status built = BuildKetamaRing(input.table, input.members, &ring);
    if (!built.ok()) return built;
  }
  *picker = std::make_unique<ConsistentHashPicker>(input, std::move(ring));
  return Status::Ok();
}

}  // namespace fulcrum::balancer
