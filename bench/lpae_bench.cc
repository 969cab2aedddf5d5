// LPAE page-table map/unmap cost, with the physical floor measured in the same run: a memset of
// the PTE bytes the same mapping writes (8 bytes per 4 KiB page).
//
// Setup: oracle off, no event sinks (as in a production run with no checker). A neighbour
// page stays mapped in the same level-3 table so that single-page and 256-page map/unmap
// cycles measure descriptor writes, not table allocation and freeing.
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "bench_setup.h"
#include "dmakit/iommu/lpae_page_table.h"
#include "dmakit/sim/soc.h"

namespace dmakit {
namespace {

constexpr uint64_t kRam = 0x8000'0000;
constexpr uint64_t k4K = 4096;
const IoProt kRw = IoProt::kRead | IoProt::kWrite;

struct Fixture {
  std::unique_ptr<Soc> soc;
  std::unique_ptr<IoPageTable> pt;
  explicit Fixture(bool coherent) {
    SocConfig config;
    config.banks = {{"dram0", PhysAddr(kRam), 256ull << 20}};
    config.oracle = false;
    soc = std::move(Soc::Create(config)).value();
    pt = std::move(CreateLpaePageTable(*soc, LpaeConfig{.coherent_walk = coherent})).value();
    // The neighbour: the last page of the 2 MiB region the benchmarks use.
    if (!pt->Map(DmaAddr(0x4000'0000 + 511 * k4K), PhysAddr(kRam), k4K, kRw).ok()) std::abort();
  }
};

// Map + unmap of `pages` 4 KiB pages (phys deliberately not 2 MiB-aligned: pages, not blocks).
void MapUnmapRun(benchmark::State& state, bool coherent) {
  const uint64_t pages = state.range(0);
  Fixture f(coherent);
  const DmaAddr iova(0x4000'0000);
  const PhysAddr phys(kRam + k4K);
  for (auto _ : state) {
    if (!f.pt->Map(iova, phys, pages * k4K, kRw).ok()) state.SkipWithError("map");
    if (!f.pt->Unmap(iova, pages * k4K).ok()) state.SkipWithError("unmap");
  }
  state.counters["ns_per_page"] =
      benchmark::Counter(static_cast<double>(pages), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}
void BM_MapUnmapCoherent(benchmark::State& state) { MapUnmapRun(state, true); }
void BM_MapUnmapNonCoherent(benchmark::State& state) { MapUnmapRun(state, false); }
// The floor of a simulated map + unmap: storing the descriptors' bytes (8 per page) and then
// zeros over them through the simulated CPU cache (Soc::KernelStore, as the page table does),
// with no table logic at all.
void BM_KernelStorePteBytes(benchmark::State& state) {
  const uint64_t pages = state.range(0);
  Fixture f(true);
  std::vector<uint64_t> ptes(pages, 0x0040'0000'8000'0743ull);
  std::vector<uint64_t> zeros(pages, 0);
  const PhysAddr table(kRam + 64 * k4K);
  const Symbol who("bench");
  for (auto _ : state) {
    (void)f.soc->KernelStore(
        table, std::span(reinterpret_cast<const uint8_t*>(ptes.data()), pages * 8), who);
    (void)f.soc->KernelStore(
        table, std::span(reinterpret_cast<const uint8_t*>(zeros.data()), pages * 8), who);
  }
  state.counters["ns_per_page"] =
      benchmark::Counter(static_cast<double>(pages), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}
BENCHMARK(BM_KernelStorePteBytes)->Arg(1)->Arg(256);
BENCHMARK(BM_MapUnmapCoherent)->Arg(1)->Arg(256);
BENCHMARK(BM_MapUnmapNonCoherent)->Arg(1)->Arg(256);

// Map alone and unmap alone, one page per call (the per-page targets are per call):
// the pages of one level-3 table are mapped one by one, timed, then unmapped with the timer
// paused (and the other way round), so the pause is paid once per 510 calls.
constexpr uint64_t kBatch = 510;  // pages 0..509 of the table; 511 is the neighbour
void OnePageCalls(benchmark::State& state, bool coherent, bool time_map) {
  Fixture f(coherent);
  const DmaAddr base(0x4000'0000);
  const PhysAddr phys(kRam + k4K);
  auto map = [&](uint64_t i) { return f.pt->Map(base + i * k4K, phys + i * k4K, k4K, kRw); };
  auto unmap = [&](uint64_t i) { return f.pt->Unmap(base + i * k4K, k4K); };
  uint64_t i = 0;
  if (!time_map) {
    for (uint64_t j = 0; j < kBatch; ++j) (void)map(j);
  }
  for (auto _ : state) {
    if (!(time_map ? map(i) : unmap(i)).ok()) state.SkipWithError("map/unmap");
    if (++i == kBatch) {
      state.PauseTiming();
      for (uint64_t j = 0; j < kBatch; ++j) (void)(time_map ? unmap(j) : map(j));
      i = 0;
      state.ResumeTiming();
    }
  }
}
void BM_MapOnePage(benchmark::State& state) { OnePageCalls(state, state.range(0) != 0, true); }
void BM_UnmapOnePage(benchmark::State& state) { OnePageCalls(state, state.range(0) != 0, false); }
BENCHMARK(BM_MapOnePage)->ArgName("coherent_walk")->Arg(1)->Arg(0);
BENCHMARK(BM_UnmapOnePage)->ArgName("coherent_walk")->Arg(1)->Arg(0);

// 1 GiB of 4 KiB pages (262144 descriptors, 2 MiB of PTEs, 512 level-3 tables) into a fresh
// table, against a memset of the same 2 MiB.
constexpr uint64_t kGiB = 1ull << 30;
void BM_Map1GiBOfPages(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    auto f = std::make_unique<Fixture>(true);
    state.ResumeTiming();
    // phys offset by one page: no block is possible.
    if (!f->pt->Map(DmaAddr(2 * kGiB), PhysAddr(k4K), kGiB, kRw).ok()) state.SkipWithError("map");
    state.PauseTiming();
    f.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_Map1GiBOfPages)->Unit(benchmark::kMicrosecond);

// The same map on a warm simulator: one Soc for every iteration, a fresh page table each time
// (created and freed outside the timing). After the first iteration the simulated memory's
// host pages exist, so this is the page table's and the simulated cache's cost without the
// host's page faults of a brand-new simulated machine.
void BM_Map1GiBOfPagesWarmSoc(benchmark::State& state) {
  Fixture f(true);
  for (auto _ : state) {
    state.PauseTiming();
    auto pt = std::move(CreateLpaePageTable(*f.soc, LpaeConfig{.coherent_walk = true})).value();
    state.ResumeTiming();
    if (!pt->Map(DmaAddr(2 * kGiB), PhysAddr(k4K), kGiB, kRw).ok()) state.SkipWithError("map");
    state.PauseTiming();
    pt.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_Map1GiBOfPagesWarmSoc)->Unit(benchmark::kMicrosecond);

void BM_MemsetPteBytesOf1GiB(benchmark::State& state) {
  std::vector<uint64_t> ptes(kGiB / k4K);
  uint8_t value = 0;
  for (auto _ : state) {
    std::memset(ptes.data(), ++value, ptes.size() * sizeof(uint64_t));
    benchmark::DoNotOptimize(ptes.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_MemsetPteBytesOf1GiB)->Unit(benchmark::kMicrosecond);

// The same 2 MiB of descriptor bytes stored by the simulated CPU (Soc::KernelStore, one 4 KiB
// store per table page, into 512 pages allocated once), with no table logic: what the map
// costs beyond the simulated machine's own store path. Not the DESIGN baseline (that is the
// host memset above); it separates the page table's cost from the simulator's.
void BM_KernelStorePteBytesOf1GiB(benchmark::State& state) {
  Fixture f(true);
  constexpr uint64_t kTables = kGiB / (512 * k4K);
  std::vector<PhysAddr> tables;
  for (uint64_t i = 0; i < kTables; ++i) tables.push_back(Must(f.soc->pages().AllocPage()));
  std::vector<uint64_t> ptes(512);
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(ptes.data()), k4K);
  const Symbol who("bench");
  for (auto _ : state) {
    uint64_t phys = kRam + k4K;  // the same 1 GiB every iteration, as the map benchmarks do
    for (const PhysAddr table : tables) {
      for (uint64_t& d : ptes) {
        d = phys | 0x743;
        phys += k4K;
      }
      if (!f.soc->KernelStore(table, bytes, who).ok()) state.SkipWithError("store");
    }
  }
}
BENCHMARK(BM_KernelStorePteBytesOf1GiB)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace dmakit

BENCHMARK_MAIN();
