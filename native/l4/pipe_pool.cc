// A bounded per-thread pool of kernel pipes for splice(); owned and touched only by one loop thread.
#include "l4/pipe_pool.h"

#include <fcntl.h>
#include <unistd.h>

namespace fulcrum::l4 {

namespace {

constexpr uint32_t kDefaultPipeCapacity = 65536;

void ClosePipe(Pipe pipe) {
  close(pipe.readFd);
  close(pipe.writeFd);
}

}  // namespace

PipePool::PipePool(uint32_t limit, uint32_t pipeSize, ListenerCounters& counters)
    : limit_(limit),
      capacity_(pipeSize ? pipeSize : kDefaultPipeCapacity),
      requestedSize_(pipeSize),
      counters_(counters) {}

PipePool::~PipePool() {
  for (Pipe pipe : free_) ClosePipe(pipe);
}

Pipe PipePool::Acquire() {
  if (!free_.empty()) {
    Pipe pipe = free_.back();
    free_.pop_back();
    counters_.pipesInUse.fetch_add(1, std::memory_order_relaxed);
    return pipe;
  }
  if (outstanding_ >= limit_) return Pipe{};
  int fds[2];
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return Pipe{};
  Pipe pipe{fds[0], fds[1]};
  if (requestedSize_ != 0) {
    // The kernel rounds up to a power of two pages; capacity_ only needs to be a lower bound of
    // what the pipe holds, and every pipe of this pool gets the same rounding.
    int granted = fcntl(pipe.writeFd, F_SETPIPE_SZ, static_cast<int>(requestedSize_));
    if (granted < 0) granted = fcntl(pipe.writeFd, F_GETPIPE_SZ);
    if (granted > 0 && static_cast<uint32_t>(granted) < capacity_) capacity_ = static_cast<uint32_t>(granted);
  }
  ++outstanding_;
  counters_.pipesCreated.fetch_add(1, std::memory_order_relaxed);
  counters_.pipesInUse.fetch_add(1, std::memory_order_relaxed);
  return pipe;
}

void PipePool::Release(Pipe pipe, bool empty) {
  counters_.pipesInUse.fetch_sub(1, std::memory_order_relaxed);
  if (empty) {
    free_.push_back(pipe);
    return;
  }
  ClosePipe(pipe);
  --outstanding_;
}

}  // namespace fulcrum::l4
