// Micro-benchmark of the native balancer: pick+release per algorithm, bare ring lookups, ring build times.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "balancer/pool.h"
#include "balancer/ring.h"

using namespace fulcrum::balancer;

namespace {

using Clock = std::chrono::steady_clock;

double NanosecondsPer(Clock::time_point started, size_t operations) {
  return std::chrono::duration<double, std::nano>(Clock::now() - started).count() / static_cast<double>(operations);
}

PoolOptions Options(Algorithm algorithm, RingKind ringKind, size_t members) {
  PoolOptions options;
  options.name = "bench";
  options.algorithm = algorithm;
  options.ringKind = ringKind;
  for (size_t position = 0; position < members; ++position) {
    options.backends.push_back(
        {"10.0." + std::to_string(position / 250) + "." + std::to_string(position % 250 + 1) + ":80",
         static_cast<double>(1 + position % 3)});
  }
  return options;
}

std::vector<std::string> Keys(size_t count) {
  std::mt19937_64 random(42);
  std::vector<std::string> keys;
  for (size_t key = 0; key < count; ++key) keys.push_back("session-" + std::to_string(random()));
  return keys;
}

void BenchPick(const char* label, Algorithm algorithm, RingKind ringKind, const std::vector<std::string>& keys) {
  Status status = Status::Ok();
  auto pool = Pool::Create(Options(algorithm, ringKind, 10), &status);
  const bool keyed = algorithm == Algorithm::ConsistentHash;
  const size_t operations = 2000000;
  auto run = [&] {
    for (size_t operation = 0; operation < operations; ++operation) {
      const std::string& key = keys[operation & (keys.size() - 1)];
      int32_t index = keyed ? pool->pick(reinterpret_cast<const uint8_t*>(key.data()), key.size(), Pool::kNoBackend)
                            : pool->pick(nullptr, 0, Pool::kNoBackend);
      pool->release(index, Outcome::Success);
    }
  };
  run();  // warm caches
  auto started = Clock::now();
  run();
  std::printf("| %-34s | %6.1f |\n", label, NanosecondsPer(started, operations));
}

void BenchLookup(const char* label, const Ring& ring, const std::vector<std::string>& keys) {
  const size_t operations = 4000000;
  int64_t checksum = 0;
  auto started = Clock::now();
  for (size_t operation = 0; operation < operations; ++operation) {
    const std::string& key = keys[operation & (keys.size() - 1)];
    uint64_t hash = ring.hashKey(reinterpret_cast<const uint8_t*>(key.data()), key.size());
    checksum += ring.backendAt(ring.positionOf(hash));
  }
  const double withHash = NanosecondsPer(started, operations);
  std::vector<uint64_t> hashes;
  for (const std::string& key : keys)
    hashes.push_back(ring.hashKey(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
  started = Clock::now();
  for (size_t operation = 0; operation < operations; ++operation) {
    checksum += ring.backendAt(ring.positionOf(hashes[operation & (hashes.size() - 1)]));
  }
  const double lookupOnly = NanosecondsPer(started, operations);
  std::printf("| %-34s | %6.1f | %6.1f |\n", label, withHash, lookupOnly + (checksum == -1 ? 1 : 0));
}

}  // namespace

int main() {
  const auto keys = Keys(1 << 14);
  std::printf("Native pick + release, 10 backends, one thread (ns per pair)\n\n| picker | ns |\n|---|---|\n");
  BenchPick("round-robin", Algorithm::RoundRobin, RingKind::Maglev, keys);
  BenchPick("weighted-round-robin", Algorithm::WeightedRoundRobin, RingKind::Maglev, keys);
  BenchPick("least-connections", Algorithm::LeastConnections, RingKind::Maglev, keys);
  BenchPick("weighted-least-connections", Algorithm::WeightedLeastConnections, RingKind::Maglev, keys);
  BenchPick("power-of-two", Algorithm::PowerOfTwo, RingKind::Maglev, keys);
  BenchPick("consistent-hash maglev (24-byte key)", Algorithm::ConsistentHash, RingKind::Maglev, keys);
  BenchPick("consistent-hash ketama (24-byte key)", Algorithm::ConsistentHash, RingKind::Ketama, keys);

  std::printf(
      "\nRing lookup alone (ns): hash the key + find its owner; and the lookup from a ready hash\n\n| ring | hash + "
      "lookup | lookup |\n|---|---|---|\n");
  for (size_t members : {10u, 100u, 1000u}) {
    std::vector<Member> list;
    for (int32_t index = 0; index < static_cast<int32_t>(members); ++index) list.push_back({index, 1});
    BackendTable table;
    for (const BackendOptions& backend : Options(Algorithm::RoundRobin, RingKind::Maglev, members).backends) {
      table.append(backend.address, 1);
    }
    auto maglev = BuildMaglevRing(table, list, kDefaultMaglevTableSize);
    std::unique_ptr<Ring> ketama;
    (void)BuildKetamaRing(table, list, &ketama);
    std::string maglevLabel = "maglev 65537, " + std::to_string(members) + " backends";
    std::string ketamaLabel = "ketama, " + std::to_string(members) + " backends";
    BenchLookup(maglevLabel.c_str(), *maglev, keys);
    BenchLookup(ketamaLabel.c_str(), *ketama, keys);
  }

  std::printf("\nRing build time (ms)\n\n| backends | maglev 65537 | ketama 160/weight |\n|---|---|---|\n");
  for (size_t members : {10u, 100u, 1000u}) {
    BackendTable table;
    std::vector<Member> list;
    for (const BackendOptions& backend : Options(Algorithm::RoundRobin, RingKind::Maglev, members).backends) {
      list.push_back({table.append(backend.address, 1), 1});
    }
    auto started = Clock::now();
    auto maglev = BuildMaglevRing(table, list, kDefaultMaglevTableSize);
    double maglevMs = NanosecondsPer(started, 1) / 1e6;
    started = Clock::now();
    std::unique_ptr<Ring> ketama;
    (void)BuildKetamaRing(table, list, &ketama);
    double ketamaMs = NanosecondsPer(started, 1) / 1e6;
    std::printf("| %zu | %.2f | %.2f |\n", members, maglevMs, ketamaMs);
  }
  return 0;
}
