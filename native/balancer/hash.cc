// Stateless hashing helpers; safe on any thread.
#include "hash.h"

#define XXH_INLINE_ALL
#include "vendor/xxhash/xxhash.h"

namespace fulcrum::balancer {

uint64_t HashKey(const uint8_t* key, size_t length, uint64_t seed) { return XXH3_64bits_withSeed(key, length, seed); }

std::string BackendIdFor(std::string_view address) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  uint64_t hash = HashText(address);
  std::string id(16, '0');
  for (int digit = 15; digit >= 0; --digit) {
    id[static_cast<size_t>(digit)] = kHexDigits[hash & 0xf];
    hash >>= 4;
  }
  return id;
}

}  // namespace fulcrum::balancer
