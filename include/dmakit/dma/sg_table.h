// SgTable: a scatter-gather table that keeps the CPU side and the DMA side apart.
//
// The CPU side (orig_nents entries: page, offset, length) describes the memory; the DMA side
// (nents entries: dma address, dma length) is filled by DmaDevice::MapSg or
// DomainMapper::MapSg and describes what the device must be programmed with. Behind an IOMMU
// several CPU entries coalesce into fewer DMA entries, so nents <= orig_nents. Unmap and sync
// calls take orig_nents (the CPU side), exactly as Linux's dma_unmap_sg does.
//
// The seed's second hack is visible here: mapping one table through two APIs overwrites the
// DMA side the first one wrote.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dmakit/core/addr.h"
#include "dmakit/core/addr_range.h"

namespace dmakit {

struct SgCpuEntry {
  PhysAddr page;        // page-aligned
  uint32_t offset = 0;  // into the page
  uint32_t length = 0;  // may run past the page into physically contiguous pages
  PhysAddr phys() const { return page + offset; }
  PhysRange range() const { return PhysRange(phys(), length); }
};

struct SgDmaEntry {
  DmaAddr address;
  uint64_t length = 0;
};

class SgTable {
 public:
  SgTable() = default;
  // One entry per page, each a whole page (a GEM buffer's backing).
  static SgTable FromPages(std::span<const PhysAddr> pages);
  // One entry per physically contiguous run of `pages` (sg_alloc_table_from_pages), each at
  // most `max_segment` bytes.
  static SgTable FromPagesCoalesced(std::span<const PhysAddr> pages,
                                    uint64_t max_segment = UINT32_MAX & ~(kPageSize - 1));

  void Append(PhysAddr page, uint32_t offset, uint32_t length) {
    cpu_.push_back(SgCpuEntry{page, offset, length});
  }

  std::span<const SgCpuEntry> cpu() const { return cpu_; }
  uint32_t orig_nents() const { return static_cast<uint32_t>(cpu_.size()); }
  uint64_t total_length() const;

  // The DMA side: valid after a successful map, cleared by unmap.
  std::span<const SgDmaEntry> dma() const { return dma_; }
  uint32_t nents() const { return static_cast<uint32_t>(dma_.size()); }
  // Written by the mapping layers only (and by tests that simulate a corrupting caller).
  std::vector<SgDmaEntry>& mutable_dma() { return dma_; }

 private:
  std::vector<SgCpuEntry> cpu_;
  std::vector<SgDmaEntry> dma_;
};

}  // namespace dmakit
