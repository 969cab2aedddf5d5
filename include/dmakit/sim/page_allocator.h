// PageAllocator: hands out the RAM pages of a PhysicalMemory, like the kernel's buddy
// allocator (single pages), CMA (physically contiguous runs) and a GEM buffer's shmem backing
// (a set of pages scattered across RAM).
//
// Deterministic for a seed: "scattered" allocations pick pages in a seeded shuffled order so
// that they are really non-contiguous, as on a long-running system. Emits kPageAlloc /
// kPageFree events when given a bus (the checker flags pages freed while still mapped).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "dmakit/core/addr.h"
#include "dmakit/core/event_sink.h"
#include "dmakit/core/result.h"
#include "dmakit/core/rng.h"
#include "dmakit/sim/physical_memory.h"

namespace dmakit {

class PageAllocator {
 public:
  // Manages every page of every bank of `memory`. `bus` may be null (no events).
  PageAllocator(const PhysicalMemory& memory, uint64_t seed, EventBus* bus = nullptr);

  // One page. Errors: kExhausted.
  Result<PhysAddr> AllocPage();
  // `pages` physically contiguous pages whose first address is aligned to
  // `align_pages` pages (a power of two). Errors: kInvalidArgument (zero pages, alignment not
  // a power of two), kExhausted (no run that long: fragmentation counts).
  Result<PhysAddr> AllocContiguous(uint64_t pages, uint64_t align_pages = 1);
  // `pages` pages in no particular order, deliberately not contiguous where RAM allows.
  // Errors: kInvalidArgument (zero), kExhausted (fewer free pages than asked; nothing is
  // allocated then).
  Result<std::vector<PhysAddr>> AllocScattered(uint64_t pages);

  // Return `pages` pages starting at `first`. Errors: kInvalidArgument (not page-aligned),
  // kNotFound (some page is not currently allocated; nothing is freed then).
  Status Free(PhysAddr first, uint64_t pages = 1);
  Status FreeAll(const std::vector<PhysAddr>& pages);

  bool IsAllocated(PhysAddr page) const;
  uint64_t total_pages() const { return total_pages_; }
  uint64_t free_pages() const { return total_pages_ - allocated_pages_; }
  uint64_t allocated_pages() const { return allocated_pages_; }

 private:
  // Free runs keyed by first page frame number -> length in pages.
  std::map<uint64_t, uint64_t> free_runs_;
  uint64_t total_pages_ = 0;
  uint64_t allocated_pages_ = 0;
  Rng rng_;
  EventBus* bus_;
};

}  // namespace dmakit
