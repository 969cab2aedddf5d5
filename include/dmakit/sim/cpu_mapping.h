// CpuMapping: a CPU virtual view of a list of physical pages with one memory attribute (the
// kernel's vmap / ioremap / a user mmap). The Soc owns them; drivers refer to them by their
// CpuAddr.
#pragma once

#include <cstdint>
#include <vector>

#include "dmakit/core/addr.h"
#include "dmakit/core/dma_types.h"
#include "dmakit/core/result.h"

namespace dmakit {

class CpuMapping {
 public:
  CpuMapping(CpuAddr base, std::vector<PhysAddr> pages, MemAttr attr)
      : base_(base), pages_(std::move(pages)), attr_(attr) {}

  CpuAddr base() const { return base_; }
  uint64_t size() const { return pages_.size() * kPageSize; }
  MemAttr attr() const { return attr_; }
  const std::vector<PhysAddr>& pages() const { return pages_; }
  bool Contains(CpuAddr addr) const { return addr >= base_ && addr - base_ < size(); }

  // The physical address behind `addr`. Errors: kOutOfRange outside the mapping.
  Result<PhysAddr> Translate(CpuAddr addr) const;

 private:
  CpuAddr base_;
  std::vector<PhysAddr> pages_;
  MemAttr attr_;
};

}  // namespace dmakit
