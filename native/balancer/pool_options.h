// A pool's configuration as the control plane hands it over, and the checks that reject bad input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "status.h"

namespace fulcrum::balancer {

enum class Algorithm : uint8_t {
  RoundRobin,
  WeightedRoundRobin,
  LeastConnections,
  WeightedLeastConnections,
  ConsistentHash,
  PowerOfTwo,
  LeastLatency,
};

enum class RingKind : uint8_t { Maglev, Ketama };

struct BackendOptions {
  std::string address;  // "ip:port" or "[ipv6]:port"
  double weight = 1;    // a double so NaN, negatives and fractions from JS reach the validator intact
};

inline constexpr uint32_t kDefaultMaglevTableSize = 65537;
inline constexpr uint32_t kMaxMaglevTableSize = 1048573;  // largest prime below 2^20
inline constexpr size_t kMaxPoolNameLength = 128;
// 1 s, not Finagle's and Linkerd's 10 s time constant: the half-life is how long one spike (a cold
// connection, a GC pause) keeps a fast backend away; see docs/balancer.md.
inline constexpr uint32_t kDefaultLatencyHalfLifeMs = 1000;
inline constexpr uint32_t kMaxLatencyHalfLifeMs = 3600000;

struct PoolOptions {
  std::string name;
  Algorithm algorithm = Algorithm::RoundRobin;
  RingKind ringKind = RingKind::Maglev;
  uint32_t maglevTableSize = kDefaultMaglevTableSize;
  uint32_t balanceFactor = 0;  // percent; 0 = bounded loads off, else 100..1000 (HAProxy recommends 125..200)
  uint32_t latencyHalfLifeMs = kDefaultLatencyHalfLifeMs;  // of every backend's PeakEwma; 1..kMaxLatencyHalfLifeMs
  std::vector<BackendOptions> backends;
};

// Names as the TS face spells them ("round-robin", "maglev", ...).
bool ParseAlgorithm(std::string_view text, Algorithm* algorithm);
bool ParseRingKind(std::string_view text, RingKind* ringKind);
std::string_view AlgorithmName(Algorithm algorithm);
// "round-robin, weighted-round-robin, ...": every name ParseAlgorithm accepts, for error messages.
std::string AlgorithmNameList();
std::string_view RingKindName(RingKind ringKind);

// Checks everything that can be checked without building: name, sizes, weights, addresses, duplicates.
Status ValidatePoolOptions(const PoolOptions& options);

// A weight from JS is valid when it is an integer in 1..kMaxWeight.
Status ValidateWeight(double weight, std::string_view what);

}  // namespace fulcrum::balancer
