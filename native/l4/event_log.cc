// A bounded queue of warnings from the loop threads that the JS thread drains.
#include "l4/event_log.h"

#include <utility>

namespace fulcrum::l4 {

void EventLog::Add(std::string message) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (messages_.size() >= kCapacity) {
    ++dropped_;
    return;
  }
  messages_.push_back(std::move(message));
}

std::vector<std::string> EventLog::Take() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> taken(std::make_move_iterator(messages_.begin()), std::make_move_iterator(messages_.end()));
  messages_.clear();
  return taken;
}

size_t EventLog::dropped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

}  // namespace fulcrum::l4
