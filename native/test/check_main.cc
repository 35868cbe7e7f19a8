// Runs every registered TEST in this binary and exits non-zero if any CHECK failed.
#include <chrono>

#include "check.h"

int main() {
  for (const auto& testCase : fulcrum::test::Registry()) {
    const int failuresBefore = fulcrum::test::FailureCount();
    const auto started = std::chrono::steady_clock::now();
    testCase.body();
    const auto milliseconds =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    const bool passed = fulcrum::test::FailureCount() == failuresBefore;
    std::printf("%s %s (%lld ms)\n", passed ? "ok  " : "FAIL", testCase.name, static_cast<long long>(milliseconds));
  }
  std::printf("%d check(s) failed\n", fulcrum::test::FailureCount());
  return fulcrum::test::FailureCount() == 0 ? 0 : 1;
}
