// A minimal test harness for the native unit tests: TEST registers a case, CHECK records a failure and goes on.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace fulcrum::test {

struct TestCase {
  const char* name;
  std::function<void()> body;
};

inline std::vector<TestCase>& Registry() {
  static std::vector<TestCase> cases;
  return cases;
}

inline int& FailureCount() {
  static int failures = 0;
  return failures;
}

struct Registration {
  Registration(const char* name, std::function<void()> body) { Registry().push_back({name, std::move(body)}); }
};

inline void Fail(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "  FAILED %s:%d: %s\n", file, line, what.c_str());
  ++FailureCount();
}

}  // namespace fulcrum::test

#define FULCRUM_CONCAT_INNER(a, b) a##b
#define FULCRUM_CONCAT(a, b) FULCRUM_CONCAT_INNER(a, b)
#define TEST(name)                                                                       \
  static void name();                                                                    \
  static ::fulcrum::test::Registration FULCRUM_CONCAT(registration_, name)(#name, name); \
  static void name()

#define CHECK(condition)                                                     \
  do {                                                                       \
    if (!(condition)) ::fulcrum::test::Fail(__FILE__, __LINE__, #condition); \
  } while (0)

#define CHECK_EQ(actual, expected)                                                                                     \
  do {                                                                                                                 \
    const auto& actualValue = (actual);                                                                                \
    const auto& expectedValue = (expected);                                                                            \
    if (!(actualValue == expectedValue)) {                                                                             \
      ::fulcrum::test::Fail(__FILE__, __LINE__,                                                                        \
                            std::string(#actual " == " #expected " (got ") + std::to_string(actualValue) + ", want " + \
                                std::to_string(expectedValue) + ")");                                                  \
    }                                                                                                                  \
  } while (0)
