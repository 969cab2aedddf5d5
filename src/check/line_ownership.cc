#include "dmakit/check/line_ownership.h"

#include <algorithm>

#include <fmt/format.h>

namespace dmakit {

std::string_view ToString(Owner owner) {
  switch (owner) {
    case Owner::kCpu:
      return "cpu";
    case Owner::kDevice:
      return "device";
    case Owner::kShared:
      return "shared";
  }
  return "?";
}

void LineOwnership::SetSome(uint64_t first, uint64_t count, Owner owner) {
  if (first >= count_) return;
  count = std::min(count, count_ - first);
  if (first == 0 && count == count_) {
    SetAll(owner);
    return;
  }
  if (per_line_.empty()) {
    if (owner == uniform_) return;
    per_line_.assign(count_, uniform_);
  }
  std::fill_n(per_line_.begin() + static_cast<ptrdiff_t>(first), count, owner);
}

void LineOwnership::DropPerLine() {
  per_line_.clear();
  per_line_.shrink_to_fit();
}

std::string OwnershipTransition::ToString() const {
  return fmt::format("#{} {} {} {} {} -> {} at {}", seq, dmakit::ToString(kind), device.view(),
                     dmakit::ToString(dir), dmakit::ToString(dma), dmakit::ToString(owner_after),
                     where.ToString());
}

const OwnershipTransition& OwnershipHistory::at(size_t i) const {
  size_t first = count_ < kDepth ? 0 : count_ - kDepth;
  return ring_[(first + i) % kDepth];
}

}  // namespace dmakit
