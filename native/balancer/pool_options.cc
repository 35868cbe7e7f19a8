// Validation of pool configuration; runs on whichever thread creates or updates a pool.
#include "pool_options.h"

#include <array>
#include <cmath>
#include <unordered_set>
#include <utility>

#include "backend.h"
#include "socket_address.h"

namespace fulcrum::balancer {

namespace {

constexpr std::array<std::pair<std::string_view, Algorithm>, 7> kAlgorithmNames{{
    {"round-robin", Algorithm::RoundRobin},
    {"weighted-round-robin", Algorithm::WeightedRoundRobin},
    {"least-connections", Algorithm::LeastConnections},
    {"weighted-least-connections", Algorithm::WeightedLeastConnections},
    {"consistent-hash", Algorithm::ConsistentHash},
    {"power-of-two", Algorithm::PowerOfTwo},
    {"least-latency", Algorithm::LeastLatency},
}};

constexpr std::array<std::pair<std::string_view, RingKind>, 2> kRingKindNames{{
    {"maglev", RingKind::Maglev},
    {"ketama", RingKind::Ketama},
}};

bool IsPrime(uint32_t value) {
  if (value < 2) return false;
  for (uint32_t divisor = 2; static_cast<uint64_t>(divisor) * divisor <= value; ++divisor) {
    if (value % divisor == 0) return false;
  }
  return true;
}

}  // namespace

bool ParseAlgorithm(std::string_view text, Algorithm* algorithm) {
  for (const auto& [name, value] : kAlgorithmNames) {
    if (name == text) {
      *algorithm = value;
      return true;
    }
  }
  return false;
}

bool ParseRingKind(std::string_view text, RingKind* ringKind) {
  for (const auto& [name, value] : kRingKindNames) {
    if (name == text) {
      *ringKind = value;
      return true;
    }
  }
  return false;
}

std::string AlgorithmNameList() {
  std::string list;
  for (const auto& [name, value] : kAlgorithmNames) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  return list;
}

std::string_view AlgorithmName(Algorithm algorithm) {
  for (const auto& [name, value] : kAlgorithmNames) {
    if (value == algorithm) return name;
  }
  return "unknown";
}

std::string_view RingKindName(RingKind ringKind) {
  for (const auto& [name, value] : kRingKindNames) {
    if (value == ringKind) return name;
  }
  return "unknown";
}

Status ValidateWeight(double weight, std::string_view what) {
  if (!std::isfinite(weight) || weight < 1 || weight > kMaxWeight || std::floor(weight) != weight) {
    std::string shown = std::isnan(weight) ? "NaN" : std::to_string(weight);
    return Status::Error(std::string(what) + " must be an integer from 1 to " + std::to_string(kMaxWeight) + ", got " +
                         shown);
  }
  return Status::Ok();
}

Status ValidatePoolOptions(const PoolOptions& options) {
  if (options.name.empty() || options.name.size() > kMaxPoolNameLength) {
    return Status::Error("a pool name must be 1 to " + std::to_string(kMaxPoolNameLength) + " characters");
  }
  const std::string prefix = "pool \"" + options.name + "\": ";
  if (options.backends.empty()) return Status::Error(prefix + "backends is empty; a pool needs at least one backend");
  if (options.ringKind == RingKind::Maglev &&
      (!IsPrime(options.maglevTableSize) || options.maglevTableSize > kMaxMaglevTableSize)) {
    return Status::Error(prefix + "maglevTableSize must be a prime no larger than " +
                         std::to_string(kMaxMaglevTableSize) + " (65537 is the default), got " +
                         std::to_string(options.maglevTableSize));
  }
  if (options.ringKind == RingKind::Maglev && options.algorithm == Algorithm::ConsistentHash &&
      options.backends.size() > options.maglevTableSize / 10) {
    return Status::Error(prefix + "maglevTableSize " + std::to_string(options.maglevTableSize) + " is too small for " +
                         std::to_string(options.backends.size()) +
                         " backends; use a prime at least 10x (ideally 100x) the backend count");
  }
  if (options.balanceFactor != 0 && (options.balanceFactor < 100 || options.balanceFactor > 1000)) {
    return Status::Error(prefix +
                         "balanceFactor is a percent from 100 to 1000 (125-200 recommended), or 0 for off; got " +
                         std::to_string(options.balanceFactor));
  }
  if (options.latencyHalfLifeMs < 1 || options.latencyHalfLifeMs > kMaxLatencyHalfLifeMs) {
    return Status::Error(prefix + "latencyHalfLifeMs must be from 1 to " + std::to_string(kMaxLatencyHalfLifeMs) +
                         " (1 hour), got " + std::to_string(options.latencyHalfLifeMs));
  }
  std::unordered_set<std::string_view> seen;
  for (size_t position = 0; position < options.backends.size(); ++position) {
    const BackendOptions& backend = options.backends[position];
    const std::string what = prefix + "backends[" + std::to_string(position) + "]";
    Status weight = ValidateWeight(backend.weight, what + ".weight");
    if (!weight.ok()) return weight;
    sockaddr_storage storage;
    socklen_t length = 0;
    if (!ParseSocketAddress(backend.address, &storage, &length)) {
      return Status::Error(what + ".address \"" + backend.address +
                           "\" is not a numeric \"ip:port\" or \"[ipv6]:port\" with a port from 1 to 65535");
    }
    if (!seen.insert(backend.address).second) {
      return Status::Error(what + ".address \"" + backend.address + "\" is listed twice");
    }
  }
  return Status::Ok();
}

}  // namespace fulcrum::balancer
