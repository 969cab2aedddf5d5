#include "dmakit/dma/sg_table.h"

#include <algorithm>

namespace dmakit {

SgTable SgTable::FromPages(std::span<const PhysAddr> pages) {
  SgTable sg;
  sg.cpu_.reserve(pages.size());
  for (PhysAddr page : pages) sg.Append(page, 0, static_cast<uint32_t>(kPageSize));
  return sg;
}

SgTable SgTable::FromPagesCoalesced(std::span<const PhysAddr> pages, uint64_t max_segment) {
  // A segment always holds at least one page, and only whole pages: a limit below a page (or
  // not a multiple of one) is rounded so that coalescing never splits a page.
  // The CPU side's lengths are 32-bit, which caps a segment too.
  const uint64_t limit = std::clamp<uint64_t>(max_segment & ~(kPageSize - 1), kPageSize,
                                              UINT32_MAX & ~(kPageSize - 1));
  SgTable sg;
  for (PhysAddr page : pages) {
    if (!sg.cpu_.empty()) {
      SgCpuEntry& last = sg.cpu_.back();
      if (last.phys() + last.length == page && last.length + kPageSize <= limit) {
        last.length += static_cast<uint32_t>(kPageSize);
        continue;
      }
    }
    sg.Append(page, 0, static_cast<uint32_t>(kPageSize));
  }
  return sg;
}

uint64_t SgTable::total_length() const {
  uint64_t total = 0;
  for (const SgCpuEntry& e : cpu_) total += e.length;
  return total;
}

}  // namespace dmakit
