// The checker's cost on a real platform: a Soc + DmaSystem with one non-coherent device on the
// direct and on the IOMMU backend, `live` streaming mappings of 2 KiB packet buffers made
// through the DMA API and kept live, then the full simulated cycle of one more buffer
// (map -> mapping_error -> sync_for_cpu -> sync_for_device -> unmap, kFromDevice, with the
// cache maintenance, IOVA allocation and page-table updates it implies) with the Checker
// subscribed to the Soc's event bus (checker=1) or with no sink at all (checker=0, the
// baseline), in the same program. Target (DESIGN.md): checker=1 within 1.3x of checker=0 at
// 256k live mappings, and no growth from 1k to 256k live mappings.
//
// Oracle off (it would add the same cost to both sides and flatter the ratio). Each platform
// with its live mappings is built once per backend and live count, with the Checker
// subscribed while the live mappings are made, and serves both sides: checker=1 runs its
// cycles with the Checker subscribed, checker=0 with it unsubscribed (each cycle unmaps what
// it maps, so the Checker's state stays that of the live mappings). Both sides then run on
// the same simulated memory, page tables and host heap layout; with a separate platform per
// side, layout alone moved the ratio by +-30% from one run to the next. Run with
// --benchmark_enable_random_interleaving=true and --benchmark_repetitions: the machine is
// shared, so interleaving spreads its noise over both sides. After the table the program
// prints each on/off ratio of CPU-time medians (RatioReporter). BM_CyclePaired measures the
// same ratio from back-to-back slices of cycles (its `ratio` counter), which holds steadier
// when the machine's speed drifts during the run.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "bench_setup.h"
#include "dmakit/check/checker.h"
#include "dmakit/dma/dma_device.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/iommu/iommu.h"
#include "dmakit/iommu/topology.h"
#include "dmakit/sim/soc.h"
#include "ratio_reporter.h"

namespace dmakit {
namespace {

constexpr uint64_t kBufSize = 2048;

class NoopSink final : public EventSink {
 public:
  void OnEvent(const Event& e) override { benchmark::DoNotOptimize(e.seq); }
};
constexpr DmaDirection kDir = DmaDirection::kFromDevice;

struct Rig {
  std::unique_ptr<Soc> soc;
  Topology topology;
  std::unique_ptr<Iommu> iommu;
  std::unique_ptr<DmaSystem> system;
  std::unique_ptr<Checker> checker;
  DmaDevice* dev = nullptr;
  CpuAddr buf;  // the cycling buffer
  size_t events_per_cycle = 0;

  Rig(DmaBackendKind backend, uint64_t live) {
    SocConfig sc;
    sc.oracle = false;
    sc.banks = {{"dram0", PhysAddr(0x8000'0000), 1ull << 30}};  // below the 32-bit mask
    soc = Must(Soc::Create(sc));
    checker = std::make_unique<Checker>();
    soc->bus().Subscribe(checker.get());
    DeviceNode node;
    node.name = "eth0";
    node.coherent = false;
    if (backend == DmaBackendKind::kIommu) node.iommu = IommuAttachment{"smmu0", 1};
    Must(topology.AddNode(node));
    iommu = Must(Iommu::Create(*soc, IommuConfig{}));
    system = Must(DmaSystem::Create(*soc, topology, DmaSystemConfig{}));
    Must(system->AddIommu(*iommu));
    soc->AnnouncePlatform();
    system->Announce();
    dev = Must(system->Probe("eth0"));
    if (dev->backend() != backend) std::abort();

    const uint64_t pages = live * kBufSize / kPageSize + 1;
    const PhysAddr base = Must(soc->pages().AllocContiguous(pages));
    for (uint64_t i = 0; i < live; ++i) {
      const DmaAddr dma = dev->MapSingle(soc->LinearAddress(base + i * kBufSize), kBufSize, kDir);
      if (dev->MappingError(dma)) {
        std::fprintf(stderr, "map %llu: %s\n", static_cast<unsigned long long>(i),
                     dev->last_error().ToString().c_str());
        std::abort();
      }
    }
    buf = soc->LinearAddress(base + live * kBufSize);
    EventLog log;  // how many events one cycle emits (reported as a counter)
    soc->bus().Subscribe(&log);
    Cycle();
    soc->bus().Unsubscribe(&log);
    events_per_cycle = log.events().size();
    soc->bus().Unsubscribe(checker.get());
  }

  void Cycle() {
    const DmaAddr dma = dev->MapSingle(buf, kBufSize, kDir);
    if (dev->MappingError(dma)) std::abort();
    (void)dev->SyncSingleForCpu(dma, kBufSize, kDir);
    (void)dev->SyncSingleForDevice(dma, kBufSize, kDir);
    (void)dev->UnmapSingle(dma, kBufSize, kDir);
  }
};

// Building 256k live mappings takes a while: every platform is built once and kept for the
// program's life, so repetitions can be interleaved (--benchmark_enable_random_interleaving)
// and checker on/off see the same machine conditions.
Rig& RigFor(DmaBackendKind backend, uint64_t live) {
  static std::map<std::pair<DmaBackendKind, uint64_t>, std::unique_ptr<Rig>> rigs;
  std::unique_ptr<Rig>& rig = rigs[std::make_pair(backend, live)];
  if (!rig) rig = std::make_unique<Rig>(backend, live);
  return *rig;
}

void BM_Cycle(benchmark::State& state) {
  const auto backend = static_cast<DmaBackendKind>(state.range(0));
  const auto live = static_cast<uint64_t>(state.range(1));
  Rig& rig = RigFor(backend, live);
  NoopSink noop;
  EventSink* sink = nullptr;  // checker:0
  if (state.range(2) == 1) sink = rig.checker.get();
  if (state.range(2) == 2) sink = &noop;
  if (sink != nullptr) rig.soc->bus().Subscribe(sink);
  for (auto _ : state) rig.Cycle();
  if (sink != nullptr) rig.soc->bus().Unsubscribe(sink);
  state.counters["events"] = static_cast<double>(rig.events_per_cycle);
  if (rig.dev->live_mappings() != live) state.SkipWithError("live mappings changed");
  state.counters["checker_live"] = static_cast<double>(rig.checker->live_mappings());
  if (rig.checker->live_mappings() != live) state.SkipWithError("the checker lost track");
  if (rig.checker->total() != 0) state.SkipWithError("the correct cycle raised violations");
}

// The same ratio measured in pairs, for noisy machines: each iteration times a slice of
// kSlice cycles with the Checker subscribed and one without, back to back (alternating which
// goes first), and the counters give the median over iterations of the slice ratio and of
// each side's time per cycle. A slow patch of the machine then slows both sides of the pairs
// it falls on instead of one side of the whole comparison.
void BM_CyclePaired(benchmark::State& state) {
  constexpr int kSlice = 256;
  const auto backend = static_cast<DmaBackendKind>(state.range(0));
  const auto live = static_cast<uint64_t>(state.range(1));
  Rig& rig = RigFor(backend, live);
  auto slice_ns = [&](bool checker) {
    if (checker) rig.soc->bus().Subscribe(rig.checker.get());
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kSlice; ++i) rig.Cycle();
    const auto stop = std::chrono::steady_clock::now();
    if (checker) rig.soc->bus().Unsubscribe(rig.checker.get());
    return std::chrono::duration<double, std::nano>(stop - start).count() / kSlice;
  };
  std::vector<double> on, off, ratio;
  bool on_first = true;
  for (auto _ : state) {
    double on_ns, off_ns;
    if (on_first) {
      on_ns = slice_ns(true);
      off_ns = slice_ns(false);
    } else {
      off_ns = slice_ns(false);
      on_ns = slice_ns(true);
    }
    on_first = !on_first;
    on.push_back(on_ns);
    off.push_back(off_ns);
    ratio.push_back(on_ns / off_ns);
  }
  auto median = [](std::vector<double>& v) {
    if (v.empty()) return 0.0;
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  };
  state.counters["on_ns"] = median(on);
  state.counters["off_ns"] = median(off);
  state.counters["ratio"] = median(ratio);
  if (rig.checker->live_mappings() != live) state.SkipWithError("the checker lost track");
  if (rig.checker->total() != 0) state.SkipWithError("the correct cycle raised violations");
}
BENCHMARK(BM_CyclePaired)
    ->ArgNames({"backend", "live"})
    ->Args({0, 1024})
    ->Args({0, 256 * 1024})
    ->Args({1, 1024})
    ->Args({1, 256 * 1024});

// checker:2 subscribes a sink that does nothing instead: what building and dispatching the
// events costs (the IOMMU layer builds its events only when the bus has a sink), apart from
// the Checker's own work.
void Args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"backend", "live", "checker"});
  for (int backend : {0, 1}) {
    for (int live : {1024, 256 * 1024}) {
      for (int checker : {0, 1, 2}) b->Args({backend, live, checker});
    }
  }
}

BENCHMARK(BM_Cycle)->Apply(Args);

}  // namespace
}  // namespace dmakit

// The table, then checker=1 over checker=0 for each backend and live count (the target).
int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  dmakit::RatioReporter reporter("checker", 1.3);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
