// BouncePool: a swiotlb-like pool of fixed-size slots in low, physically contiguous memory.
//
// A device that cannot reach a buffer (above its DMA mask, or every buffer under
// swiotlb=force) is given a run of contiguous slots instead; the DMA layer copies between the
// driver's buffer and the slots exactly as DESIGN.md says (into the slots on map and
// sync_for_device for kToDevice / kBidirectional, back on sync_for_cpu / unmap for
// kFromDevice / kBidirectional). Copies are kernel accesses through the cached linear map
// (Soc::KernelLoad / KernelStore, as "swiotlb"), so the slot memory itself needs the cache
// maintenance of the device it serves; the caller does that, on the slot range.
//
// Not modelled: Linux's per-area locking, alignment masks, min_align_mask. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dmakit/core/addr_range.h"
#include "dmakit/core/result.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/sim/soc.h"

namespace dmakit {

class BouncePool {
 public:
  // Allocates `config.size` bytes of contiguous pages from soc.pages(), entirely below
  // `config.below`. Errors: kInvalidArgument (slot size not a power of two >= 64, size zero or
  // not a multiple of the slot size or of the page size), kExhausted (no such contiguous RAM).
  static Result<std::unique_ptr<BouncePool>> Create(Soc& soc, const BouncePoolConfig& config);
  ~BouncePool();  // gives the pages back
  BouncePool(const BouncePool&) = delete;
  BouncePool& operator=(const BouncePool&) = delete;

  PhysRange range() const { return range_; }
  uint64_t slot_size() const { return slot_size_; }
  uint64_t free_slots() const;

  // The first run of free slots that holds `size` bytes, slot-aligned. Errors:
  // kInvalidArgument (size 0), kExhausted (no run large enough).
  Result<PhysAddr> Alloc(uint64_t size);
  // Errors: kNotFound (not the start of a run returned by Alloc), kInvalidArgument (size
  // differs from the allocation's). Nothing changes on error.
  Status Free(PhysAddr slot, uint64_t size);

  // Bounce copies through the CPU cache, as the kernel's swiotlb does.
  Status Copy(PhysAddr from, PhysAddr to, uint64_t size);

 private:
  BouncePool(Soc& soc, PhysRange range, uint64_t slot_size);
  uint64_t SlotsFor(uint64_t size) const { return (size + slot_size_ - 1) / slot_size_; }

  Soc& soc_;
  PhysRange range_;
  uint64_t slot_size_;
  std::vector<uint32_t> run_;  // per slot: length of the allocation starting there, else 0
  std::vector<bool> used_;
  Symbol who_{"swiotlb"};
};

}  // namespace dmakit
