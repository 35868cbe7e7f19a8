// A backend's peak-EWMA of latency (Finagle, Linkerd): one 64-bit atomic that any thread updates lock-free.
#pragma once

#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace fulcrum::balancer {

// Milliseconds on the steady clock, truncated to 32 bits. Stamps are compared by unsigned subtraction,
// so a gap is exact up to 49.7 days; an EWMA left without samples that long has decayed to nothing.
inline uint32_t LatencyClockMs() {
  return static_cast<uint32_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

// The average, in milliseconds, and the time of its last sample, packed into one word: high 32 bits the
// average as a float (24-bit mantissa: plenty for a latency), low 32 bits the stamp. A negative average
// means "no samples yet". One word means one compare-and-swap per sample and one load per read, no lock:
// data planes (L4 loop threads, L7 workers through N-API) observe, pickers and /stats read, the control
// plane resets, all at once.
//
// The average is time-weighted: a sample after a gap of g ms gets weight 1 - 2^(-g / halfLife), so many
// samples in one millisecond count as one and an idle backend's last figure keeps its weight. A sample
// above the current (decayed) average replaces it at once (the peak), so a backend that turns slow is
// avoided from its first slow answer, and forgiven only over half-lives. A read decays the average
// towards zero for the time since the last sample: a backend nobody picks any more (it was slow) looks
// faster and faster until it is tried again, which is how it recovers.
class PeakEwma {
 public:
  static constexpr double kNoSamples = -1;

  // Any thread. sampleMs >= 0; halfLifeMs > 0.
  void observe(double sampleMs, uint32_t nowMs, double halfLifeMs) {
    uint64_t current = packed_.load(std::memory_order_relaxed);
    uint64_t next;
    do {
      const double decayed = Decayed(current, nowMs, halfLifeMs);
      double average = sampleMs;
      if (decayed >= 0 && sampleMs < decayed) {
        const double keep = Keep(Gap(current, nowMs), halfLifeMs);
        // Both terms from the stored average: decayed == stored * keep.
        average = decayed + sampleMs * (1 - keep);
      }
      next = Pack(average, nowMs);
    } while (!packed_.compare_exchange_weak(current, next, std::memory_order_relaxed));
  }

  // Any thread: the average decayed to nowMs, or kNoSamples.
  double read(uint32_t nowMs, double halfLifeMs) const {
    return Decayed(packed_.load(std::memory_order_relaxed), nowMs, halfLifeMs);
  }

  // Control plane: forget every sample (a backend that went down comes back as an unknown).
  void reset() { packed_.store(kEmpty, std::memory_order_relaxed); }

 private:
  static uint64_t Pack(double averageMs, uint32_t stampMs) {
    return static_cast<uint64_t>(std::bit_cast<uint32_t>(static_cast<float>(averageMs))) << 32 | stampMs;
  }
  static double Average(uint64_t packed) { return std::bit_cast<float>(static_cast<uint32_t>(packed >> 32)); }
  static uint32_t Gap(uint64_t packed, uint32_t nowMs) {
    // A stamp "ahead" of now (another thread's sample read its clock later) is a gap of zero, not 49 days.
    const uint32_t gap = nowMs - static_cast<uint32_t>(packed);
    return gap > UINT32_MAX / 2 ? 0 : gap;
  }
  // 2^(-gap / halfLife); most samples and reads at any real rate land in the same millisecond as the
  // last sample, so the common case skips exp2.
  static double Keep(uint32_t gapMs, double halfLifeMs) {
    return gapMs == 0 ? 1 : std::exp2(-static_cast<double>(gapMs) / halfLifeMs);
  }
  static double Decayed(uint64_t packed, uint32_t nowMs, double halfLifeMs) {
    const double average = Average(packed);
    if (average < 0) return kNoSamples;
    return average * Keep(Gap(packed, nowMs), halfLifeMs);
  }

  static constexpr uint64_t kEmpty = uint64_t{0xBF800000} << 32;  // the float -1 (kNoSamples), stamp 0
  std::atomic<uint64_t> packed_{kEmpty};
};

}  // namespace fulcrum::balancer
