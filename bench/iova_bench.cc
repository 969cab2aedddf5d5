// IOVA allocator benchmarks: alloc+free pairs of cached sizes on one and two threads, the
// uncached general path, and a best-fit baseline, all on the same fragmented aperture.
//
// Baseline: what an IOVA allocator without caches does well: best fit over the free holes
// indexed by size (std::set of (size, base), O(log n)), holes by address for coalescing, and
// allocations by address for validating frees, with the same size alignment as IovaAllocator.
// Not a linear first-fit scan.
//
// Run: dmakit_iova_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "dmakit/iommu/iova_allocator.h"

namespace dmakit {
namespace {

constexpr uint64_t kPage = kPageSize;
const DmaRange kAperture(DmaAddr(uint64_t{1} << 30), uint64_t{1} << 32);  // 4 GiB, 1 Mi pages

class BestFitMapAllocator {
 public:
  explicit BestFitMapAllocator(DmaRange aperture) { AddHole(aperture.base.value(), aperture.size); }

  std::optional<uint64_t> Alloc(uint64_t bytes) {
    const uint64_t size = (bytes + kPage - 1) & ~(kPage - 1);
    const uint64_t align = std::bit_ceil(size / kPage) * kPage;
    for (auto it = by_size_.lower_bound({size, 0}); it != by_size_.end(); ++it) {
      auto [hsize, hbase] = *it;
      uint64_t start = (hbase + align - 1) & ~(align - 1);
      if (start - hbase > hsize - size) continue;
      RemoveHole(hbase, hsize);
      if (start > hbase) AddHole(hbase, start - hbase);
      if (hbase + hsize > start + size) AddHole(start + size, hbase + hsize - start - size);
      allocs_.emplace(start, size);
      return start;
    }
    return std::nullopt;
  }

  bool Free(uint64_t base, uint64_t size) {
    auto a = allocs_.find(base);
    if (a == allocs_.end() || a->second != size) return false;
    allocs_.erase(a);
    auto next = by_base_.lower_bound(base);
    if (next != by_base_.end() && next->first == base + size) {
      size += next->second;
      RemoveHole(next->first, next->second);
    }
    auto prev = by_base_.lower_bound(base);
    if (prev != by_base_.begin() && std::prev(prev)->first + std::prev(prev)->second == base) {
      --prev;
      base = prev->first;
      size += prev->second;
      RemoveHole(prev->first, prev->second);
    }
    AddHole(base, size);
    return true;
  }

  size_t holes() const { return by_base_.size(); }

 private:
  void AddHole(uint64_t base, uint64_t size) {
    by_base_.emplace(base, size);
    by_size_.emplace(size, base);
  }
  void RemoveHole(uint64_t base, uint64_t size) {
    by_size_.erase({size, base});
    by_base_.erase(base);
  }

  std::map<uint64_t, uint64_t> by_base_;             // hole base -> size
  std::set<std::pair<uint64_t, uint64_t>> by_size_;  // (hole size, base)
  std::map<uint64_t, uint64_t> allocs_;              // allocation base -> size
};

// The same fragmentation for both allocators: 40000 ranges of 1..64 pages, then every other
// one freed in a shuffled order, leaving ~20000 holes.
template <typename AllocFn, typename FreeFn>
void Fragment(AllocFn alloc, FreeFn free) {
  std::mt19937_64 rng(42);
  std::vector<std::pair<uint64_t, uint64_t>> got;
  for (int i = 0; i < 40000; ++i) {
    uint64_t bytes = (1 + rng() % 64) * kPage;
    if (auto base = alloc(bytes)) got.emplace_back(*base, bytes);
  }
  std::vector<std::pair<uint64_t, uint64_t>> victims;
  for (size_t i = 0; i < got.size(); i += 2) victims.push_back(got[i]);
  std::shuffle(victims.begin(), victims.end(), rng);
  for (auto [base, bytes] : victims) free(base, bytes);
}

IovaAllocator& FragmentedIova() {
  static IovaAllocator* a = [] {
    IovaAllocator* p = IovaAllocator::Create(kAperture).value().release();
    Fragment(
        [p](uint64_t bytes) -> std::optional<uint64_t> {
          auto r = p->Alloc(bytes);
          if (!r.ok()) return std::nullopt;
          return r->base.value();
        },
        [p](uint64_t base, uint64_t bytes) {
          if (!p->Free(DmaRange(DmaAddr(base), bytes)).ok()) std::abort();
        });
    p->Flush();  // every freed range back in the tree: the tree is fragmented
    return p;
  }();
  return *a;
}

BestFitMapAllocator& FragmentedBaseline() {
  static BestFitMapAllocator* b = [] {
    auto* p = new BestFitMapAllocator(kAperture);
    Fragment([p](uint64_t bytes) { return p->Alloc(bytes); },
             [p](uint64_t base, uint64_t bytes) {
               if (!p->Free(base, bytes)) std::abort();
             });
    return p;
  }();
  return *b;
}

void BM_IovaPair(benchmark::State& state) {
  IovaAllocator& a = FragmentedIova();
  const uint64_t bytes = static_cast<uint64_t>(state.range(0)) * kPage;
  for (auto _ : state) {
    Result<DmaRange> r = a.Alloc(bytes);
    benchmark::DoNotOptimize(r);
    if (!r.ok() || !a.Free(*r).ok()) state.SkipWithError("alloc/free failed");
  }
  if (state.thread_index() == 0 && state.range(0) <= 32) {
    IovaAllocator::Stats s = a.stats();
    state.counters["hit_rate"] =
        static_cast<double>(s.cache_hits) / static_cast<double>(s.cache_hits + s.cache_misses);
  }
}
// Cached sizes.
BENCHMARK(BM_IovaPair)->Arg(1)->Arg(2)->Arg(4)->Arg(16);
BENCHMARK(BM_IovaPair)->Arg(1)->Arg(2)->Arg(4)->Arg(16)->Threads(2);
// Uncached sizes: the general path (range tree under a mutex).
BENCHMARK(BM_IovaPair)->Arg(64)->Arg(100);

// The floor of any magazine design, for scale: a pop and a push of a per-thread stack of bases
// with no validation, no state map, no counters and no Result, one size class. What
// BM_IovaPair adds over this is the owner check, the free's validation (one state byte), the
// hit counter and the Result<> values (kept in memory between the calls, as the caller keeps
// them). Target: a BM_IovaPair cached-size pair within 5 ns.
void BM_BareMagazinePair(benchmark::State& state) {
  thread_local uint64_t bases[IovaAllocator::kMagazineSize];
  thread_local uint32_t count = 0;
  for (uint32_t i = 0; i < IovaAllocator::kMagazineSize / 2; ++i) bases[count++] = i * kPage;
  for (auto _ : state) {
    uint64_t base = bases[--count];
    benchmark::DoNotOptimize(base);
    bases[count++] = base;
  }
  count = 0;
}
BENCHMARK(BM_BareMagazinePair);

void BM_BaselinePair(benchmark::State& state) {
  BestFitMapAllocator& b = FragmentedBaseline();
  const uint64_t bytes = static_cast<uint64_t>(state.range(0)) * kPage;
  for (auto _ : state) {
    std::optional<uint64_t> base = b.Alloc(bytes);
    benchmark::DoNotOptimize(base);
    if (!base.has_value() || !b.Free(*base, bytes)) state.SkipWithError("alloc/free failed");
  }
  state.counters["holes"] = static_cast<double>(b.holes());
}
BENCHMARK(BM_BaselinePair)->Arg(1)->Arg(2)->Arg(4)->Arg(16)->Arg(64)->Arg(100);

// The baseline made thread-safe the simple way, for the two-thread comparison.
void BM_BaselineLockedPair(benchmark::State& state) {
  static std::mutex mu;
  BestFitMapAllocator& b = FragmentedBaseline();
  const uint64_t bytes = static_cast<uint64_t>(state.range(0)) * kPage;
  for (auto _ : state) {
    std::optional<uint64_t> base;
    {
      std::lock_guard<std::mutex> lock(mu);
      base = b.Alloc(bytes);
    }
    benchmark::DoNotOptimize(base);
    std::lock_guard<std::mutex> lock(mu);
    if (!base.has_value() || !b.Free(*base, bytes)) state.SkipWithError("alloc/free failed");
  }
}
BENCHMARK(BM_BaselineLockedPair)->Arg(1)->Arg(4)->Threads(2);

}  // namespace
}  // namespace dmakit

BENCHMARK_MAIN();
