// Control-plane writes publish a filled slot with a release store of size_; readers acquire it.
#include "backend_table.h"

#include "hash.h"
#include "socket_address.h"

namespace fulcrum::balancer {

BackendTable::~BackendTable() {
  for (auto& block : blocks_) delete[] block.load(std::memory_order_relaxed);
}

int32_t BackendTable::find(std::string_view address) const {
  auto found = indexByAddress_.find(std::string(address));
  return found == indexByAddress_.end() ? -1 : found->second;
}

int32_t BackendTable::append(std::string_view address, uint32_t weight) {
  int32_t index = size_.load(std::memory_order_relaxed);
  if (index >= kCapacity) return -1;
  auto& block = blocks_[static_cast<size_t>(index / kBlockSize)];
  if (block.load(std::memory_order_relaxed) == nullptr) block.store(new Backend[kBlockSize], std::memory_order_release);

  Backend& backend = at(index);
  backend.address = std::string(address);
  backend.id = BackendIdFor(address);
  ParseSocketAddress(address, &backend.socketAddress, &backend.socketAddressLength);
  backend.weight.store(weight, std::memory_order_relaxed);
  backend.effectiveWeight.store(weight, std::memory_order_relaxed);
  backend.inPool.store(true, std::memory_order_relaxed);
  indexByAddress_.emplace(backend.address, index);
  size_.store(index + 1, std::memory_order_release);
  return index;
}

}  // namespace fulcrum::balancer
