// The balancer's key hash: XXH3 64-bit (vendored xxHash), and the hex id derived from an address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fulcrum::balancer {

// Pure function of its input, so separately built tables (other threads, other Fulcrum instances) agree.
uint64_t HashKey(const uint8_t* key, size_t length, uint64_t seed = 0);

inline uint64_t HashText(std::string_view text, uint64_t seed = 0) {
  return HashKey(reinterpret_cast<const uint8_t*>(text.data()), text.size(), seed);
}

// 16 lowercase hex digits of HashText(address): the stable id sticky cookies carry.
std::string BackendIdFor(std::string_view address);

}  // namespace fulcrum::balancer
