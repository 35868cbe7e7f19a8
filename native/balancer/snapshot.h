// One immutable view of a pool's membership and its picker; swapped whole when membership or weights change.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "picker.h"

namespace fulcrum::balancer {

struct Snapshot {
  std::vector<Member> members;
  std::vector<bool> isMemberBySlot;  // indexed by slot; slots beyond its size are not members
  std::unique_ptr<Picker> picker;

  bool isMember(int32_t index) const {
    return index >= 0 && static_cast<size_t>(index) < isMemberBySlot.size() && isMemberBySlot[index];
  }
};

}  // namespace fulcrum::balancer
