// Monotonic time for timers (milliseconds) and connect-time measurements (microseconds); any thread.
#pragma once

#include <time.h>

#include <cstdint>

namespace fulcrum::l4 {

inline int64_t MonotonicMs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
}

inline int64_t MonotonicUs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
}

}  // namespace fulcrum::l4
