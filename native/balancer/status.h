// The result of a control-plane call: empty on success, else a message meant for the person who configured it.
#pragma once

#include <string>
#include <utility>

namespace fulcrum::balancer {

// The addon builds with -fno-exceptions, so control-plane errors travel as values.
class [[nodiscard]] Status {
 public:
  static Status Ok() { return Status(std::string()); }
  static Status Error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return message_.empty(); }
  const std::string& message() const { return message_; }

 private:
  explicit Status(std::string message) : message_(std::move(message)) {}
  std::string message_;
};

}  // namespace fulcrum::balancer
