#include "dmakit/sim/page_allocator.h"

#include <algorithm>
#include <bit>
#include <string>
#include <unordered_set>

namespace dmakit {
namespace {

PhysAddr PfnAddr(uint64_t pfn) { return PhysAddr(pfn << kPageShift); }

Error Exhausted(uint64_t pages, uint64_t free_pages, std::string_view what) {
  return Error(ErrorCode::kExhausted, "page allocator: cannot allocate " + std::to_string(pages) +
                                          std::string(what) + " pages (" +
                                          std::to_string(free_pages) + " pages free)");
}

}  // namespace

PageAllocator::PageAllocator(const PhysicalMemory& memory, uint64_t seed, EventBus* bus)
    : rng_(seed), bus_(bus) {
  for (const MemoryBank& bank : memory.banks()) {
    const uint64_t first = bank.base.value() >> kPageShift;
    const uint64_t count = bank.size >> kPageShift;
    ram_.emplace_back(first, first + count);
    total_pages_ += count;
    ReturnRun(first, count);
  }
}

bool PageAllocator::IsRamPfn(uint64_t pfn, uint64_t count) const {
  // ram_ is sorted; adjacent stretches continue each other.
  uint64_t next = pfn;
  const uint64_t end = pfn + count;
  for (const auto& [first, last] : ram_) {
    if (next >= first && next < last) next = last;
    if (next >= end) return true;
  }
  return false;
}

bool PageAllocator::IsFreeAny(uint64_t pfn, uint64_t count) const {
  auto it = free_runs_.upper_bound(pfn + count - 1);
  if (it == free_runs_.begin()) return false;
  --it;
  return it->first + it->second > pfn;
}

void PageAllocator::TakeRun(std::map<uint64_t, uint64_t>::iterator run, uint64_t pfn,
                            uint64_t count) {
  const uint64_t start = run->first;
  const uint64_t end = run->first + run->second;
  DMAKIT_CHECK(pfn >= start && pfn + count <= end, "taking pages outside their free run");
  free_runs_.erase(run);
  if (pfn > start) free_runs_.emplace(start, pfn - start);
  if (pfn + count < end) free_runs_.emplace(pfn + count, end - (pfn + count));
  allocated_pages_ += count;
}

void PageAllocator::ReturnRun(uint64_t pfn, uint64_t count) {
  auto next = free_runs_.lower_bound(pfn);
  if (next != free_runs_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == pfn) {
      pfn = prev->first;
      count += prev->second;
      free_runs_.erase(prev);
    }
  }
  if (next != free_runs_.end() && next->first == pfn + count) {
    count += next->second;
    free_runs_.erase(next);
  }
  free_runs_.emplace(pfn, count);
}

void PageAllocator::Emit(EventKind kind, uint64_t pfn, uint64_t count) {
  if (bus_ == nullptr) return;
  Event event;
  event.kind = kind;
  event.phys = PfnAddr(pfn);
  event.size = count << kPageShift;
  bus_->Emit(event);
}

Result<PhysAddr> PageAllocator::AllocPage() {
  if (free_runs_.empty()) return Exhausted(1, 0, "");
  auto run = free_runs_.begin();
  const uint64_t pfn = run->first;
  TakeRun(run, pfn, 1);
  Emit(EventKind::kPageAlloc, pfn, 1);
  return PfnAddr(pfn);
}

Result<PhysAddr> PageAllocator::AllocContiguous(uint64_t pages, uint64_t align_pages) {
  if (pages == 0) {
    return Error(ErrorCode::kInvalidArgument, "page allocator: contiguous run of zero pages");
  }
  if (!std::has_single_bit(align_pages)) {
    return Error(ErrorCode::kInvalidArgument, "page allocator: alignment of " +
                                                  std::to_string(align_pages) +
                                                  " pages is not a power of two");
  }
  for (auto run = free_runs_.begin(); run != free_runs_.end(); ++run) {
    const uint64_t start = (run->first + align_pages - 1) & ~(align_pages - 1);
    const uint64_t end = run->first + run->second;
    if (start < run->first || start >= end || end - start < pages) continue;
    TakeRun(run, start, pages);
    Emit(EventKind::kPageAlloc, start, pages);
    return PfnAddr(start);
  }
  return Exhausted(pages, free_pages(),
                   " contiguous (aligned to " + std::to_string(align_pages) + " pages)");
}

Result<std::vector<PhysAddr>> PageAllocator::AllocScattered(uint64_t pages) {
  if (pages == 0) {
    return Error(ErrorCode::kInvalidArgument, "page allocator: scattered set of zero pages");
  }
  if (pages > free_pages()) return Exhausted(pages, free_pages(), " scattered");

  // Candidates are numbered run by run: pass 0 takes the pages at even offsets of every free
  // run (no two of them adjacent), pass 1 the pages at odd offsets, only when pass 0 is short.
  std::vector<std::pair<uint64_t, uint64_t>> runs(free_runs_.begin(), free_runs_.end());
  std::vector<uint64_t> chosen;
  chosen.reserve(pages);
  for (int pass = 0; pass < 2 && chosen.size() < pages; ++pass) {
    std::vector<uint64_t> prefix{0};  // candidates before each run
    for (const auto& [first, len] : runs) {
      prefix.push_back(prefix.back() + (pass == 0 ? (len + 1) / 2 : len / 2));
    }
    const uint64_t total = prefix.back();
    const uint64_t want = std::min<uint64_t>(total, pages - chosen.size());
    // Floyd's algorithm: a uniformly random subset of `want` of `total` indices.
    std::unordered_set<uint64_t> picked;
    std::vector<uint64_t> order;
    for (uint64_t j = total - want; j < total; ++j) {
      const uint64_t t = rng_.Below(j + 1);
      const uint64_t pick = picked.insert(t).second ? t : j;
      if (pick == j) picked.insert(j);
      order.push_back(pick);
    }
    for (uint64_t index : order) {
      const size_t r = std::upper_bound(prefix.begin(), prefix.end(), index) - prefix.begin() - 1;
      chosen.push_back(runs[r].first + 2 * (index - prefix[r]) + pass);
    }
  }
  // Seeded Fisher-Yates: the buffer's page order owes nothing to physical order.
  for (size_t i = chosen.size(); i > 1; --i) std::swap(chosen[i - 1], chosen[rng_.Below(i)]);

  std::vector<PhysAddr> result;
  result.reserve(chosen.size());
  for (uint64_t pfn : chosen) {
    auto run = std::prev(free_runs_.upper_bound(pfn));
    TakeRun(run, pfn, 1);
    Emit(EventKind::kPageAlloc, pfn, 1);
    result.push_back(PfnAddr(pfn));
  }
  return result;
}

Status PageAllocator::Free(PhysAddr first, uint64_t pages) {
  if (!first.IsAligned(kPageSize)) {
    return Error(ErrorCode::kInvalidArgument,
                 "page allocator: free of " + Hex(first) + ", which is not page-aligned");
  }
  if (pages == 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "page allocator: free of zero pages at " + Hex(first));
  }
  const uint64_t pfn = first.value() >> kPageShift;
  const PhysRange range(first, pages << kPageShift);
  if (pages > (kMaxPhysAddr >> kPageShift) || !IsRamPfn(pfn, pages)) {
    return Error(ErrorCode::kNotFound, "page allocator: free of " + std::to_string(pages) +
                                           " pages at " + Hex(first) +
                                           ": not all of them are RAM pages");
  }
  if (IsFreeAny(pfn, pages)) {
    return Error(ErrorCode::kNotFound, "page allocator: free of " + ToString(range) +
                                           " includes pages that are not allocated "
                                           "(double free or never allocated)");
  }
  ReturnRun(pfn, pages);
  allocated_pages_ -= pages;
  Emit(EventKind::kPageFree, pfn, pages);
  return Ok();
}

Status PageAllocator::FreeAll(const std::vector<PhysAddr>& pages) {
  std::unordered_set<uint64_t> seen;
  for (PhysAddr page : pages) {
    if (!page.IsAligned(kPageSize)) {
      return Error(ErrorCode::kInvalidArgument,
                   "page allocator: free of " + Hex(page) + ", which is not page-aligned");
    }
    if (!IsAllocated(page)) {
      return Error(ErrorCode::kNotFound,
                   "page allocator: free of page " + Hex(page) + ", which is not allocated");
    }
    if (!seen.insert(page.value()).second) {
      return Error(ErrorCode::kNotFound,
                   "page allocator: page " + Hex(page) + " is listed twice in one free");
    }
  }
  for (PhysAddr page : pages) {
    const uint64_t pfn = page.value() >> kPageShift;
    ReturnRun(pfn, 1);
    allocated_pages_ -= 1;
    Emit(EventKind::kPageFree, pfn, 1);
  }
  return Ok();
}

bool PageAllocator::IsAllocated(PhysAddr page) const {
  const uint64_t pfn = page.value() >> kPageShift;
  return page.value() < kMaxPhysAddr && IsRamPfn(pfn, 1) && !IsFreeAny(pfn, 1);
}

}  // namespace dmakit
