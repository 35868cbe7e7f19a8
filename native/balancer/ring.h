// A consistent-hash ring as the picker walks it: where a key lands, and which slot owns each position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "picker.h"

namespace fulcrum::balancer {

// Immutable once built (control plane); lookups from any thread. Position p + 1 is the "next
// candidate" a key moves to when the owner of p is down, so it moves back when that owner returns.
class Ring {
 public:
  virtual ~Ring() = default;
  virtual uint64_t hashKey(const uint8_t* key, size_t length) const = 0;
  virtual size_t positionOf(uint64_t keyHash) const = 0;
  virtual size_t positionCount() const = 0;
  virtual int32_t backendAt(size_t position) const = 0;
};

// Maglev (Eisenbud et al., NSDI 2016): a prime-sized lookup table filled from per-backend
// permutations, with turns proportional to weight. Members are ordered by address first, so
// tables built separately from the same members are identical.
std::unique_ptr<Ring> BuildMaglevRing(const BackendTable& table, const std::vector<Member>& members,
                                      uint32_t tableSize);

// libketama-compatible: points are MD5("address-n"), four per digest, 160 per weight unit; keys
// land on the first point at or after the first four bytes of their MD5. Fails past kMaxKetamaPoints.
inline constexpr uint64_t kKetamaPointsPerWeight = 160;
inline constexpr uint64_t kMaxKetamaPoints = uint64_t{1} << 22;
Status BuildKetamaRing(const BackendTable& table, const std::vector<Member>& members, std::unique_ptr<Ring>* ring);

}  // namespace fulcrum::balancer
