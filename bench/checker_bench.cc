// The checker's cost on the hot path: a map -> mapping_error -> sync_for_cpu ->
// sync_for_device -> unmap cycle (what a NIC driver does per packet) at 256k live mappings,
// fed to the Checker and, as the baseline in the same run, to a sink that does nothing. Both
// build the same events; the difference is the checker's own work.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "dmakit/check/checker.h"
#include "dmakit/core/event.h"
#include "dmakit/core/event_sink.h"

namespace dmakit {
namespace {

constexpr uint64_t kLive = 256 * 1024;
constexpr uint64_t kBufSize = 2048;
constexpr uint64_t kBase = 0x80000000;
constexpr uint64_t kSlots = 4096;  // the cycling buffers, beyond the live ones
constexpr int kEventsPerCycle = 5;

class NoopSink final : public EventSink {
 public:
  void OnEvent(const Event& e) override { benchmark::DoNotOptimize(e.seq); }
};

struct Cycle {
  Symbol dev{"eth0"};
  uint64_t seq = 0;
  SourceLoc where = Here();

  Event Make(EventKind kind, uint64_t addr, DmaDirection dir) {
    Event e;
    e.kind = kind;
    e.seq = ++seq;
    e.device = dev;
    e.api = MapApi::kSingle;
    e.dma = DmaAddr(addr);
    e.phys = PhysAddr(addr);
    e.size = kBufSize;
    e.dir = dir;
    e.where = where;
    return e;
  }
  void Map(EventSink& sink, uint64_t addr) {
    sink.OnEvent(Make(EventKind::kDmaMap, addr, DmaDirection::kFromDevice));
    sink.OnEvent(Make(EventKind::kDmaMappingError, addr, DmaDirection::kNone));
  }
  void Run(EventSink& sink, uint64_t addr) {
    Map(sink, addr);
    sink.OnEvent(Make(EventKind::kDmaSyncForCpu, addr, DmaDirection::kFromDevice));
    sink.OnEvent(Make(EventKind::kDmaSyncForDevice, addr, DmaDirection::kFromDevice));
    sink.OnEvent(Make(EventKind::kDmaUnmap, addr, DmaDirection::kFromDevice));
  }
};

void RunCycles(benchmark::State& state, EventSink& sink, Cycle& cycle) {
  uint64_t slot = 0;
  for (auto _ : state) {
    cycle.Run(sink, kBase + (kLive + slot) * kBufSize);
    slot = (slot + 1) % kSlots;
  }
  state.SetItemsProcessed(state.iterations() * kEventsPerCycle);
}

void BM_CycleNoopSink(benchmark::State& state) {
  NoopSink sink;
  Cycle cycle;
  for (uint64_t i = 0; i < kLive; ++i) cycle.Map(sink, kBase + i * kBufSize);
  RunCycles(state, sink, cycle);
}

void BM_CycleChecker(benchmark::State& state) {
  Checker checker;
  Cycle cycle;
  for (uint64_t i = 0; i < kLive; ++i) cycle.Map(checker, kBase + i * kBufSize);
  RunCycles(state, checker, cycle);
  state.counters["live"] = static_cast<double>(checker.live_mappings());
  if (checker.total() != 0) state.SkipWithError("the correct cycle raised violations");
}

BENCHMARK(BM_CycleNoopSink);
BENCHMARK(BM_CycleChecker);

// The same cycle with the live buffers spread out (one per 8 KiB, so the cycling buffers fall
// between live ones, in 4096 different gaps) and, with big:1, one more live mapping of
// 256 MiB elsewhere in memory (a GPU buffer, a large coherent allocation). A range index
// whose scans are bounded by the longest range ever mapped would search through every live
// buffer within 256 MiB below each new one; the target is no slowdown from big:0 to big:1.
void BM_CycleAmongLive(benchmark::State& state) {
  constexpr uint64_t kStride = 4 * kBufSize;
  constexpr uint64_t kBig = 256ull << 20;
  Checker checker;
  Cycle cycle;
  if (state.range(0) != 0) {
    Event big = cycle.Make(EventKind::kDmaMap, kBase - kBig, DmaDirection::kToDevice);
    big.size = kBig;
    checker.OnEvent(big);
  }
  for (uint64_t i = 0; i < kLive; ++i) cycle.Map(checker, kBase + i * kStride);
  uint64_t slot = 0;
  for (auto _ : state) {
    // In the gap after live buffer number slot * (kLive / kSlots).
    cycle.Run(checker, kBase + slot * (kLive / kSlots) * kStride + kBufSize);
    slot = (slot + 1) % kSlots;
  }
  state.SetItemsProcessed(state.iterations() * kEventsPerCycle);
  state.counters["live"] = static_cast<double>(checker.live_mappings());
  if (checker.total() != 0) state.SkipWithError("the correct cycle raised violations");
}
BENCHMARK(BM_CycleAmongLive)->ArgName("big")->Arg(0)->Arg(1);

}  // namespace
}  // namespace dmakit

BENCHMARK_MAIN();
