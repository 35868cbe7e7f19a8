// Deadlines for connections that all share one timeout (connect, idle): appending at the tail keeps
// the list sorted, so expiry checks only the head and a refresh is O(1). Owned by one loop thread.
#pragma once

#include <cstdint>

#include "l4/connection.h"

namespace fulcrum::l4 {

class TimerList {
 public:
  explicit TimerList(int64_t timeoutMs) : timeoutMs_(timeoutMs) {}

  // Moves the connection to the tail with a deadline of now + timeout (from any list, or none).
  void Schedule(Connection& connection, int64_t nowMs) {
    Remove(connection);
    connection.deadlineMs = nowMs + timeoutMs_;
    connection.timerList = this;
    connection.timerPrevious = tail_;
    connection.timerNext = nullptr;
    if (tail_)
      tail_->timerNext = &connection;
    else
      head_ = &connection;
    tail_ = &connection;
  }

  // Takes the connection out of whichever list holds it.
  static void Remove(Connection& connection) {
    TimerList* list = connection.timerList;
    if (!list) return;
    if (connection.timerPrevious)
      connection.timerPrevious->timerNext = connection.timerNext;
    else
      list->head_ = connection.timerNext;
    if (connection.timerNext)
      connection.timerNext->timerPrevious = connection.timerPrevious;
    else
      list->tail_ = connection.timerPrevious;
    connection.timerList = nullptr;
    connection.timerPrevious = connection.timerNext = nullptr;
  }

  Connection* head() const { return head_; }

 private:
  int64_t timeoutMs_;
  Connection* head_ = nullptr;
  Connection* tail_ = nullptr;
};

}  // namespace fulcrum::l4
