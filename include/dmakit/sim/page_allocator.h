// PageAllocator: hands out the RAM pages of a PhysicalMemory, like the kernel's buddy
// allocator (single pages), CMA (physically contiguous runs) and a GEM buffer's shmem backing
// (a set of pages scattered across RAM).
//
// Deterministic for a seed: "scattered" allocations pick pages in a seeded random order so
// that they are really non-contiguous, as on a long-running system. Emits kPageAlloc /
// kPageFree events when given a bus (the checker flags pages freed while still mapped): one
// per contiguous run handed out or returned (AllocScattered and FreeAll: one per page).
// Every failing call leaves the allocator unchanged and emits nothing.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "dmakit/core/addr.h"
#include "dmakit/core/event_sink.h"
#include "dmakit/core/result.h"
#include "dmakit/core/rng.h"
#include "dmakit/sim/physical_memory.h"

namespace dmakit {

class PageAllocator {
 public:
  // Manages every page of every bank of `memory` (only its layout is read; the allocator
  // does not keep a reference). `bus` may be null (no events).
  PageAllocator(const PhysicalMemory& memory, uint64_t seed, EventBus* bus = nullptr);

  // One page: the lowest free page. Errors: kExhausted.
  Result<PhysAddr> AllocPage();
  // `pages` physically contiguous pages whose first address is aligned to
  // `align_pages` pages (a power of two); first fit from low addresses. Errors:
  // kInvalidArgument (zero pages, alignment not a power of two), kExhausted (no run that
  // long: fragmentation counts).
  Result<PhysAddr> AllocContiguous(uint64_t pages, uint64_t align_pages = 1);
  // `pages` pages in a seeded random order. No two of them are physically adjacent while the
  // free RAM allows it (at most every other free page is taken before adjacent ones are).
  // Errors: kInvalidArgument (zero), kExhausted (fewer free pages than asked; nothing is
  // allocated then).
  Result<std::vector<PhysAddr>> AllocScattered(uint64_t pages);

  // Return `pages` pages starting at `first`. Errors: kInvalidArgument (not page-aligned,
  // zero pages), kNotFound (some page is not currently allocated, e.g. a double free or an
  // address that is not RAM; nothing is freed then).
  Status Free(PhysAddr first, uint64_t pages = 1);
  // Return every page of the list. Errors: kInvalidArgument (a page not page-aligned),
  // kNotFound (a page not allocated, or listed twice); nothing is freed then.
  Status FreeAll(const std::vector<PhysAddr>& pages);

  bool IsAllocated(PhysAddr page) const;
  uint64_t total_pages() const { return total_pages_; }
  uint64_t free_pages() const { return total_pages_ - allocated_pages_; }
  uint64_t allocated_pages() const { return allocated_pages_; }
  // Number of maximal runs of free pages (1 on a fresh single-bank system): fragmentation.
  uint64_t free_runs() const { return free_runs_.size(); }

 private:
  bool IsRamPfn(uint64_t pfn, uint64_t count) const;
  bool IsFreeAny(uint64_t pfn, uint64_t count) const;
  void TakeRun(std::map<uint64_t, uint64_t>::iterator run, uint64_t pfn, uint64_t count);
  void ReturnRun(uint64_t pfn, uint64_t count);
  void Emit(EventKind kind, uint64_t pfn, uint64_t count);

  // Free runs keyed by first page frame number -> length in pages. Adjacent runs are merged.
  std::map<uint64_t, uint64_t> free_runs_;
  // RAM as [first pfn, end pfn) stretches, sorted.
  std::vector<std::pair<uint64_t, uint64_t>> ram_;
  uint64_t total_pages_ = 0;
  uint64_t allocated_pages_ = 0;
  Rng rng_;
  EventBus* bus_;
};

}  // namespace dmakit
