// The L4 access log ring: a loop thread pushes while the JS thread takes; every record arrives once and
// in order, and a full ring drops and counts instead of blocking (run under TSan).
#include <thread>
#include <vector>

#include "check.h"
#include "l4/access_log.h"

using namespace fulcrum::l4;

namespace {

AccessRecord Numbered(uint64_t sequence) {
  AccessRecord record{};
  record.bytesClientToBackend = sequence;
  return record;
}

}  // namespace

TEST(AccessLogRingDropsAndCountsWhenFull) {
  AccessLogRing ring;
  for (uint64_t sequence = 0; sequence < AccessLogRing::kCapacity; ++sequence) CHECK(ring.TryPush(Numbered(sequence)));
  CHECK(!ring.TryPush(Numbered(AccessLogRing::kCapacity)));
  CHECK_EQ(ring.dropped(), 1u);
  std::vector<AccessRecord> taken(8);
  CHECK_EQ(ring.Take(taken.data(), taken.size()), 8u);
  CHECK_EQ(taken[7].bytesClientToBackend, 7u);
  CHECK(ring.TryPush(Numbered(AccessLogRing::kCapacity)));  // room again once the consumer took some
  CHECK_EQ(ring.size(), static_cast<size_t>(AccessLogRing::kCapacity - 7));
}

TEST(AccessLogRingHandsOverEveryRecordInOrderAcrossThreads) {
  AccessLogRing ring;
  constexpr uint64_t kRecords = 200000;
  std::thread producer([&ring] {
    for (uint64_t sequence = 0; sequence < kRecords;) {
      if (ring.TryPush(Numbered(sequence))) ++sequence;
    }
  });
  std::vector<AccessRecord> batch(512);
  uint64_t expected = 0;
  bool inOrder = true;
  while (expected < kRecords) {
    size_t count = ring.Take(batch.data(), batch.size());
    for (size_t index = 0; index < count; ++index) inOrder &= batch[index].bytesClientToBackend == expected++;
  }
  producer.join();
  CHECK(inOrder);
  CHECK_EQ(expected, kRecords);
}
