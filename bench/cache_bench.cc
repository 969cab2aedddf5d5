// CPU cache model benchmarks: hits, misses with write-back, and maintenance of a 1 MiB range,
// each next to a memcpy of the same bytes in plain host memory (the floor any model of data
// movement has to pay).
//
// Geometry: the Soc default (64 KiB, 4 ways, 64-byte lines, LRU), RAM one 256 MiB bank whose
// pages are materialised before timing starts.
//   Hit/<bytes>:          CPU reads of `bytes` cycling through a resident 32 KiB working set.
//   MissWriteBack:        8-byte stores striding line by line through 4 MiB: every store
//                         misses, fills a line and evicts a dirty one (one write-back each).
//   MaintainClean/<bytes>, MaintainCleanInvalidate/<bytes>: maintenance of a range whose
//                         lines fill the whole cache, every one of them dirty (re-dirtied
//                         with the timer paused, whose cost partly leaks into the figure).
//                         Items are the range's lines.
//   MaintainCleanResident/<bytes>: the same walk over resident clean lines, no pauses.
// Baselines: memcpy of the same bytes per item (Hit: `bytes`; MissWriteBack: one line;
// Maintain: the whole range).
//
// Run: dmakit_cache_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <vector>

#include "dmakit/sim/cpu_cache.h"

namespace dmakit {
namespace {

constexpr PhysAddr kRam(0x8000'0000);
constexpr uint64_t kRamSize = 256ull << 20;
constexpr uint64_t kLine = 64;

struct Fixture {
  PhysicalMemory memory = std::move(PhysicalMemory::Create({{"dram0", kRam, kRamSize}})).value();
  std::unique_ptr<CpuCache> cache;

  explicit Fixture(uint64_t touch_bytes) {
    for (uint64_t off = 0; off < touch_bytes; off += kPageSize) memory.PageData(kRam + off);
    cache = std::move(CreateSetAssociativeCache(CacheGeometry{}, memory)).value();
  }
  void DirtyEveryLine(uint64_t range_bytes) {
    const uint8_t byte = 1;
    const uint64_t cache_bytes = cache->geometry().size;
    for (uint64_t off = 0; off < std::min(range_bytes, cache_bytes); off += kLine) {
      (void)cache->Write(kRam + off, std::span<const uint8_t>(&byte, 1));
    }
  }
};

void BM_CacheHit(benchmark::State& state) {
  const uint64_t bytes = state.range(0);
  constexpr uint64_t kWorkingSet = 32 * 1024;
  Fixture f(kWorkingSet);
  std::vector<uint8_t> out(bytes);
  for (uint64_t off = 0; off < kWorkingSet; off += kLine) (void)f.cache->Read(kRam + off, out);
  uint64_t off = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.cache->Read(kRam + off, out).ok());
    benchmark::ClobberMemory();
    off = (off + kLine) & (kWorkingSet - 1);
  }
  if (f.cache->stats().misses != kWorkingSet / kLine) state.SkipWithError("hit path missed");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_CacheHit)->Arg(8)->Arg(64);

void BM_CacheHitBaselineMemcpy(benchmark::State& state) {
  const uint64_t bytes = state.range(0);
  constexpr uint64_t kWorkingSet = 32 * 1024;
  std::vector<uint8_t> src(kWorkingSet, 1);
  std::vector<uint8_t> out(bytes);
  uint64_t off = 0;
  for (auto _ : state) {
    std::memcpy(out.data(), src.data() + off, bytes);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    off = (off + kLine) & (kWorkingSet - 1);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_CacheHitBaselineMemcpy)->Arg(8)->Arg(64);

constexpr uint64_t kStreamBytes = 4ull << 20;

void BM_CacheMissWriteBack(benchmark::State& state) {
  Fixture f(kStreamBytes);
  const uint64_t value = 0x1234;
  const auto data = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&value), 8);
  uint64_t off = 0;
  for (uint64_t o = 0; o < kStreamBytes; o += kLine) (void)f.cache->Write(kRam + o, data);
  f.cache->ResetStats();
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.cache->Write(kRam + off, data).ok());
    off = (off + kLine) & (kStreamBytes - 1);
  }
  if (f.cache->stats().write_backs != static_cast<uint64_t>(state.iterations()))
    state.SkipWithError("expected misses");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CacheMissWriteBack);

void BM_CacheMissBaselineMemcpy(benchmark::State& state) {
  std::vector<uint8_t> src(kStreamBytes, 1);
  std::vector<uint8_t> dst(kStreamBytes, 0);
  uint64_t off = 0;
  for (auto _ : state) {
    std::memcpy(dst.data() + off, src.data() + off, kLine);
    benchmark::ClobberMemory();
    off = (off + kLine) & (kStreamBytes - 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CacheMissBaselineMemcpy);

void Maintain(benchmark::State& state, CacheOp op) {
  const uint64_t range = state.range(0);
  Fixture f(range);
  for (auto _ : state) {
    state.PauseTiming();
    f.DirtyEveryLine(range);
    state.ResumeTiming();
    benchmark::DoNotOptimize(f.cache->Maintain(op, PhysRange(kRam, range)).ok());
  }
  state.SetItemsProcessed(state.iterations() * (range / kLine));
  state.SetBytesProcessed(state.iterations() * range);
}
void BM_MaintainClean(benchmark::State& state) { Maintain(state, CacheOp::kClean); }
void BM_MaintainCleanInvalidate(benchmark::State& state) {
  Maintain(state, CacheOp::kCleanInvalidate);
}
BENCHMARK(BM_MaintainClean)->Arg(8 << 10)->Arg(1 << 20);
BENCHMARK(BM_MaintainCleanInvalidate)->Arg(8 << 10)->Arg(1 << 20);

// The walk alone, without the timer pauses: the range's lines are resident and already clean,
// so every line is looked up (8 KiB: by range; 1 MiB: by walking the cache) and none written.
void BM_MaintainCleanResident(benchmark::State& state) {
  const uint64_t range = state.range(0);
  Fixture f(range);
  f.DirtyEveryLine(range);
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.cache->Maintain(CacheOp::kClean, PhysRange(kRam, range)).ok());
  }
  state.SetItemsProcessed(state.iterations() * (range / kLine));
  state.SetBytesProcessed(state.iterations() * range);
}
BENCHMARK(BM_MaintainCleanResident)->Arg(8 << 10)->Arg(1 << 20);

void BM_MaintainBaselineMemcpy(benchmark::State& state) {
  const uint64_t range = state.range(0);
  std::vector<uint8_t> src(range, 1);
  std::vector<uint8_t> dst(range, 0);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), range);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * (range / kLine));
  state.SetBytesProcessed(state.iterations() * range);
}
BENCHMARK(BM_MaintainBaselineMemcpy)->Arg(8 << 10)->Arg(1 << 20);

}  // namespace
}  // namespace dmakit

BENCHMARK_MAIN();
