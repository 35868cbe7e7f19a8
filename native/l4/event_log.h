// A bounded queue of warnings from the loop threads that the JS thread drains; the hot path only counts.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace fulcrum::l4 {

// Loop threads call Add only on rare paths (EMFILE, a malformed PROXY header, a drain that had to
// force closes), so a mutex is cheap here. When the JS side does not read, old messages are kept and
// new ones are counted as dropped, so a storm cannot grow memory.
class EventLog {
 public:
  static constexpr size_t kCapacity = 256;

  void Add(std::string message);    // any loop thread
  std::vector<std::string> Take();  // JS thread; empties the queue
  size_t dropped() const;           // JS thread

 private:
  mutable std::mutex mutex_;
  std::deque<std::string> messages_;
  size_t dropped_ = 0;
};

}  // namespace fulcrum::l4
