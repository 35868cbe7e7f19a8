// A bounded per-thread pool of kernel pipes for splice(); owned and touched only by one loop thread.
#pragma once

#include <cstdint>
#include <vector>

#include "l4/counters.h"

namespace fulcrum::l4 {

struct Pipe {
  int readFd = -1;
  int writeFd = -1;
  bool valid() const { return readFd >= 0; }
};

// A direction holds a pipe only while bytes sit in it (as HAProxy does), so idle connections hold
// none and the pool bounds the pipes in flight, not the connections. When the bound is reached, or
// pipe2() fails, Acquire returns an invalid Pipe and the caller copies through a buffer instead.
class PipePool {
 public:
  PipePool(uint32_t limit, uint32_t pipeSize, ListenerCounters& counters);
  ~PipePool();
  PipePool(const PipePool&) = delete;
  PipePool& operator=(const PipePool&) = delete;

  Pipe Acquire();
  void Release(Pipe pipe, bool empty);  // a pipe that still holds bytes is closed, not reused

  uint32_t capacity() const { return capacity_; }  // bytes one pipe holds

 private:
  uint32_t limit_;
  uint32_t capacity_;
  uint32_t requestedSize_;
  uint32_t outstanding_ = 0;  // pipes handed out plus pipes idle in free_
  std::vector<Pipe> free_;
  ListenerCounters& counters_;
};

}  // namespace fulcrum::l4
