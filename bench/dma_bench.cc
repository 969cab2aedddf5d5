// The DMA API's overhead over the work it must do: a map -> sync_for_cpu -> sync_for_device ->
// unmap cycle (kBidirectional) of one 4 KiB buffer and of a 64-page sg table, on each backend
// (direct, IOMMU, bounce), for a coherent and a non-coherent device, next to the raw cache
// maintenance the non-coherent cycle needs (clean, invalidate, clean, invalidate of the same
// ranges through soc.cache().Maintain), measured in the same program. Oracle off.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "bench_setup.h"
#include "dmakit/dma/dma_device.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/iommu/iommu.h"
#include "dmakit/iommu/topology.h"
#include "dmakit/sim/soc.h"

namespace dmakit {
namespace {

constexpr DmaDirection kBidi = DmaDirection::kBidirectional;

struct Rig {
  std::unique_ptr<Soc> soc;
  Topology topology;
  std::unique_ptr<Iommu> iommu;
  std::unique_ptr<DmaSystem> system;
  DmaDevice* dev = nullptr;

  Rig(DmaBackendKind backend, bool coherent) {
    SocConfig sc;
    sc.oracle = false;
    soc = Must(Soc::Create(sc));
    DeviceNode node;
    node.name = "dev";
    node.coherent = coherent;
    node.max_seg_size = 1 << 20;
    if (backend == DmaBackendKind::kIommu) node.iommu = IommuAttachment{"smmu0", 1};
    if (!topology.AddNode(node).ok()) std::abort();
    iommu = Must(Iommu::Create(*soc, IommuConfig{}));
    DmaSystemConfig dc;
    dc.bounce.size = 4 << 20;
    dc.bounce.force_bounce = backend == DmaBackendKind::kBounce;
    system = Must(DmaSystem::Create(*soc, topology, dc));
    if (!system->AddIommu(*iommu).ok()) std::abort();
    dev = Must(system->Probe("dev"));
  }
};

DmaBackendKind BackendOf(const benchmark::State& state) {
  return static_cast<DmaBackendKind>(state.range(0));
}

void BM_SingleCycle4K(benchmark::State& state) {
  Rig rig(BackendOf(state), state.range(1) != 0);
  const PhysAddr buf = Must(rig.soc->pages().AllocContiguous(1));
  std::vector<uint8_t> data(kPageSize, 1);
  (void)rig.soc->CpuWrite(rig.soc->LinearAddress(buf), data);
  for (auto _ : state) {
    DmaAddr dma = rig.dev->MapSingle(rig.soc->LinearAddress(buf), kPageSize, kBidi);
    (void)rig.dev->SyncSingleForCpu(dma, kPageSize, kBidi);
    (void)rig.dev->SyncSingleForDevice(dma, kPageSize, kBidi);
    (void)rig.dev->UnmapSingle(dma, kPageSize, kBidi);
  }
  state.SetBytesProcessed(state.iterations() * kPageSize);
}

void BM_SgCycle64Pages(benchmark::State& state) {
  Rig rig(BackendOf(state), state.range(1) != 0);
  std::vector<PhysAddr> pages = Must(rig.soc->pages().AllocScattered(64));
  SgTable sg = SgTable::FromPages(pages);
  for (auto _ : state) {
    uint32_t n = rig.dev->MapSg(sg, kBidi);
    benchmark::DoNotOptimize(n);
    (void)rig.dev->SyncSgForCpu(sg, 64, kBidi);
    (void)rig.dev->SyncSgForDevice(sg, 64, kBidi);
    (void)rig.dev->UnmapSg(sg, 64, kBidi);
  }
  state.SetBytesProcessed(state.iterations() * 64 * kPageSize);
}

// Baseline: the maintenance a non-coherent cycle must do, straight on the cache model.
void BM_RawMaintenance4K(benchmark::State& state) {
  SocConfig sc;
  sc.oracle = false;
  auto soc = Must(Soc::Create(sc));
  const PhysAddr buf = Must(soc->pages().AllocContiguous(1));
  const PhysRange r(buf, kPageSize);
  for (auto _ : state) {
    (void)soc->cache().Maintain(CacheOp::kClean, r);
    (void)soc->cache().Maintain(CacheOp::kInvalidate, r);
    (void)soc->cache().Maintain(CacheOp::kClean, r);
    (void)soc->cache().Maintain(CacheOp::kInvalidate, r);
  }
  state.SetBytesProcessed(state.iterations() * kPageSize);
}

void BM_RawMaintenance64Pages(benchmark::State& state) {
  SocConfig sc;
  sc.oracle = false;
  auto soc = Must(Soc::Create(sc));
  std::vector<PhysAddr> pages = Must(soc->pages().AllocScattered(64));
  for (auto _ : state) {
    for (CacheOp op :
         {CacheOp::kClean, CacheOp::kInvalidate, CacheOp::kClean, CacheOp::kInvalidate}) {
      for (PhysAddr p : pages) (void)soc->cache().Maintain(op, PhysRange(p, kPageSize));
    }
  }
  state.SetBytesProcessed(state.iterations() * 64 * kPageSize);
}

void Backends(benchmark::internal::Benchmark* b) {
  b->ArgNames({"backend", "coherent"});
  for (int backend : {0, 1, 2}) {
    for (int coherent : {0, 1}) b->Args({backend, coherent});
  }
}

BENCHMARK(BM_RawMaintenance4K);
BENCHMARK(BM_SingleCycle4K)->Apply(Backends);
BENCHMARK(BM_RawMaintenance64Pages);
BENCHMARK(BM_SgCycle64Pages)->Apply(Backends);

}  // namespace
}  // namespace dmakit

BENCHMARK_MAIN();
