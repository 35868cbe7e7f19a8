// Maglev lookup table: built on the control plane, read-only afterwards.
#include <algorithm>

#include "hash.h"
#include "ring.h"

namespace fulcrum::balancer {

namespace {

// Seeds for the two permutation hashes (offset, skip); changing them changes every table.
constexpr uint64_t kOffsetSeed = 0x4d61676c65764f66ull;
constexpr uint64_t kSkipSeed = 0x4d61676c65765369ull;

class MaglevRing final : public Ring {
 public:
  explicit MaglevRing(std::vector<int32_t> entries) : entries_(std::move(entries)) {}

  uint64_t hashKey(const uint8_t* key, size_t length) const override { return HashKey(key, length); }
  // Multiply-high instead of %: same spread, a few cycles instead of a division.
  size_t positionOf(uint64_t keyHash) const override {
    return static_cast<size_t>((static_cast<__uint128_t>(keyHash) * entries_.size()) >> 64);
  }
  size_t positionCount() const override { return entries_.size(); }
  int32_t backendAt(size_t position) const override { return entries_[position]; }

 private:
  const std::vector<int32_t> entries_;
};

struct Permutation {
  int32_t index;
  uint32_t weight;
  uint64_t offset;
  uint64_t skip;
  uint64_t next = 0;    // how many preferences already tried
  uint64_t credit = 0;  // weight accumulated toward the next turn
};

}  // namespace

std::unique_ptr<Ring> BuildMaglevRing(const BackendTable& table, const std::vector<Member>& members,
                                      uint32_t tableSize) {
  std::vector<Permutation> permutations;
  uint32_t maxWeight = 1;
  for (const Member& member : members) {
    const std::string& address = table.at(member.index).address;
    permutations.push_back({member.index, member.weight, HashText(address, kOffsetSeed) % tableSize,
                            HashText(address, kSkipSeed) % (tableSize - 1) + 1});
    maxWeight = std::max(maxWeight, member.weight);
  }
  std::sort(permutations.begin(), permutations.end(), [&table](const Permutation& a, const Permutation& b) {
    return table.at(a.index).address < table.at(b.index).address;
  });

  std::vector<int32_t> entries(tableSize, kNoPick);
  size_t filled = 0;
  // Each round every backend earns its weight in credit and takes one turn per maxWeight earned,
  // so turns (and table entries) are proportional to weight.
  while (filled < tableSize && !permutations.empty()) {
    for (Permutation& permutation : permutations) {
      permutation.credit += permutation.weight;
      if (permutation.credit < maxWeight) continue;
      permutation.credit -= maxWeight;
      uint64_t entry;
      do {
        entry = (permutation.offset + permutation.next * permutation.skip) % tableSize;
        ++permutation.next;
      } while (entries[entry] != kNoPick);
      entries[entry] = permutation.index;
      if (++filled == tableSize) break;
    }
  }
  return std::make_unique<MaglevRing>(std::move(entries));
}

}  // namespace fulcrum::balancer
