// Moves bytes one way between two non-blocking sockets with splice(), or read/write as a fallback.
#include "l4/relay.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace fulcrum::l4 {

namespace {

constexpr uint32_t kCopyBufferSize = 16384;
constexpr unsigned kSpliceFlags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;

bool WouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

// One pass of the splice path. Returns true when something moved, so the caller loops again.
bool SpliceStep(Direction& direction, int sourceFd, SocketReadiness& source, int destinationFd,
                SocketReadiness& destination, uint32_t pipeCapacity, PumpOutcome& outcome) {
  bool progressed = false;
  if (direction.bytesInPipe > 0 && destination.writable) {
    ssize_t written =
        splice(direction.pipe.readFd, nullptr, destinationFd, nullptr, direction.bytesInPipe, kSpliceFlags);
    if (written > 0) {
      direction.bytesInPipe -= static_cast<uint32_t>(written);
      outcome.bytesMoved += static_cast<size_t>(written);
      progressed = true;
    } else if (written < 0 && WouldBlock(errno)) {
      destination.writable = false;
    } else if (written < 0 && errno != EINTR) {
      outcome.result = PumpResult::DestinationFailed;
      outcome.error = errno;
      return false;
    }
  }
  if (!direction.sourceEnded && source.readable && direction.bytesInPipe < pipeCapacity) {
    ssize_t read =
        splice(sourceFd, nullptr, direction.pipe.writeFd, nullptr, pipeCapacity - direction.bytesInPipe, kSpliceFlags);
    if (read > 0) {
      direction.bytesInPipe += static_cast<uint32_t>(read);
      progressed = true;
    } else if (read == 0) {
      direction.sourceEnded = true;
      progressed = true;
    } else if (WouldBlock(errno)) {
      // EAGAIN means either "socket empty" or "pipe has no free slot" (slots are pages, so a pipe can
      // be full below its byte capacity). Like HAProxy's raw_sock.c: if the pipe holds bytes, assume
      // it is full and keep the source marked readable until the pipe has been flushed.
      if (direction.bytesInPipe == 0) source.readable = false;
    } else if (errno != EINTR) {
      outcome.result = PumpResult::SourceFailed;
      outcome.error = errno;
      return false;
    }
  }
  return progressed;
}

// One pass of the copy path: read what fits, then write what is buffered, so a pass that keeps up
// ends with an empty buffer (the moment a stream can swap it for a pipe).
bool CopyStep(Direction& direction, int sourceFd, SocketReadiness& source, int destinationFd,
              SocketReadiness& destination, PumpOutcome& outcome) {
  bool progressed = false;
  if (!direction.sourceEnded && source.readable && direction.bufferEnd < kCopyBufferSize) {
    ssize_t read =
        recv(sourceFd, direction.buffer.get() + direction.bufferEnd, kCopyBufferSize - direction.bufferEnd, 0);
    if (read > 0) {
      if (static_cast<uint32_t>(read) == kCopyBufferSize) direction.streaming = true;
      direction.bufferEnd += static_cast<uint32_t>(read);
      progressed = true;
    } else if (read == 0) {
      direction.sourceEnded = true;
      progressed = true;
    } else if (WouldBlock(errno)) {
      source.readable = false;
    } else if (errno != EINTR) {
      outcome.result = PumpResult::SourceFailed;
      outcome.error = errno;
      return false;
    }
  }
  if (direction.bufferEnd > direction.bufferStart && destination.writable) {
    ssize_t written = send(destinationFd, direction.buffer.get() + direction.bufferStart,
                           direction.bufferEnd - direction.bufferStart, MSG_NOSIGNAL);
    if (written > 0) {
      direction.bufferStart += static_cast<uint32_t>(written);
      outcome.bytesMoved += static_cast<size_t>(written);
      if (direction.bufferStart == direction.bufferEnd) direction.bufferStart = direction.bufferEnd = 0;
      progressed = true;
    } else if (written < 0 && WouldBlock(errno)) {
      destination.writable = false;
    } else if (written < 0 && errno != EINTR) {
      outcome.result = PumpResult::DestinationFailed;
      outcome.error = errno;
      return false;
    }
  }
  return progressed;
}

bool HoldsBytes(const Direction& direction) {
  return direction.bytesInPipe > 0 || direction.bufferEnd > direction.bufferStart;
}

// Takes a carrier only when the source may have bytes to move: a pipe for a stream, else a buffer.
void EnsureCarrier(Direction& direction, PipePool& pipes, ListenerCounters& counters) {
  if (direction.pipe.valid() || direction.buffer) return;
  if (direction.streaming) {
    direction.pipe = pipes.Acquire();
    if (direction.pipe.valid()) return;
    counters.copyFallbacks.fetch_add(1, std::memory_order_relaxed);
  }
  direction.buffer.reset(new char[kCopyBufferSize]);
}

// A direction that just became a stream swaps its (empty) buffer for a pipe, if one is free.
bool SwitchToPipe(Direction& direction, PipePool& pipes) {
  Pipe pipe = pipes.Acquire();
  if (!pipe.valid()) return false;
  direction.buffer.reset();
  direction.pipe = pipe;
  return true;
}

}  // namespace

PumpOutcome Pump(Direction& direction, int sourceFd, SocketReadiness& source, int destinationFd,
                 SocketReadiness& destination, PipePool& pipes, ListenerCounters& counters, bool otherWayShut) {
  PumpOutcome outcome;
  if (!direction.sourceEnded && source.readable) EnsureCarrier(direction, pipes, counters);
  if (direction.buffer) {
    while (CopyStep(direction, sourceFd, source, destinationFd, destination, outcome)) {
      if (direction.streaming && direction.bufferEnd == 0 && SwitchToPipe(direction, pipes)) break;
    }
  }
  if (direction.pipe.valid() && outcome.result == PumpResult::Idle) {
    while (SpliceStep(direction, sourceFd, source, destinationFd, destination, pipes.capacity(), outcome)) {
    }
  }
  if (outcome.result != PumpResult::Idle) return outcome;
  if (!HoldsBytes(direction)) {
    ReleaseDirection(direction, pipes);
    if (direction.sourceEnded && !direction.shutdownSent) {
      // Half-close: the source sent FIN and all its bytes are written, so pass the FIN on. The
      // opposite direction keeps flowing until its own source ends. If that one already ended, the
      // connection closes after this pass and close() sends the FIN: one syscall fewer per connection
      // (nothing is left unread on the destination, so close() cannot turn into a reset).
      if (!otherWayShut) shutdown(destinationFd, SHUT_WR);
      direction.shutdownSent = true;
    }
  }
  return outcome;
}

void ReleaseDirection(Direction& direction, PipePool& pipes) {
  if (direction.pipe.valid()) {
    pipes.Release(direction.pipe, direction.bytesInPipe == 0);
    direction.pipe = Pipe{};
    direction.bytesInPipe = 0;
  }
  direction.buffer.reset();
  direction.bufferStart = direction.bufferEnd = 0;
}

}  // namespace fulcrum::l4
