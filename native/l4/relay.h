// Moves bytes one way between two non-blocking sockets: a read/write copy through a buffer for short
// exchanges, splice() through a pooled pipe for streams (or the copy again when no pipe is free). Touched only by the
// owning loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "l4/pipe_pool.h"

namespace fulcrum::l4 {

// Readiness of one socket as last reported by edge-triggered epoll and then narrowed by EAGAIN.
struct SocketReadiness {
  bool readable = false;
  bool writable = false;
};

// The state of one direction (client to backend, or backend to client). A direction starts by
// copying through a small buffer, which is cheaper than splice() for short messages; once one read
// fills the whole buffer it is a stream, and it moves to a pipe (HAProxy's "splice-auto").
struct Direction {
  bool streaming = false;
  Pipe pipe;                       // held only while bytesInPipe > 0
  uint32_t bytesInPipe = 0;        // splice() cannot tell "pipe full" from "socket empty"; this can
  std::unique_ptr<char[]> buffer;  // the copy fallback, held only while it holds bytes
  uint32_t bufferStart = 0;
  uint32_t bufferEnd = 0;
  bool sourceEnded = false;   // read returned 0 (FIN)
  bool shutdownSent = false;  // FIN forwarded (shutdown(SHUT_WR), or close()) once everything was written
};

enum class PumpResult : uint8_t {
  Idle,          // nothing more can move until epoll reports readiness
  SourceFailed,  // reading failed (ECONNRESET and the like)
  DestinationFailed,
};

struct PumpOutcome {
  PumpResult result = PumpResult::Idle;
  size_t bytesMoved = 0;
  int error = 0;
};

// Moves as much as possible from source to destination, forwards a FIN once the direction is empty
// (leaving it to the imminent close() when `otherWayShut`), and returns the pipe or buffer when the
// direction holds no bytes.
PumpOutcome Pump(Direction& direction, int sourceFd, SocketReadiness& source, int destinationFd,
                 SocketReadiness& destination, PipePool& pipes, ListenerCounters& counters, bool otherWayShut);

// Gives the direction's pipe back to the pool (closing it if bytes are left) and frees its buffer.
void ReleaseDirection(Direction& direction, PipePool& pipes);

}  // namespace fulcrum::l4
