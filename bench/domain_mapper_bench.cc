// The ownership-aware IOMMU API's overhead over the work it must do: a MapSg -> SyncForCpu ->
// SyncForDevice -> Unmap cycle (kBidirectional) of one 4 KiB page and of a 64-page sg table on
// a driver-managed domain, for a coherent and a non-coherent GPU, next to two baselines
// measured in the same program: the raw cache maintenance the non-coherent cycle needs
// (clean, invalidate, clean, invalidate of the same pages straight on the cache model) and
// the raw domain map + unmap of the same pages (IommuDomain::Map/Unmap, no ownership).
// Oracle off; no sinks subscribed.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "bench_setup.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/dma/domain_mapper.h"
#include "dmakit/iommu/iommu.h"
#include "dmakit/iommu/topology.h"
#include "dmakit/sim/soc.h"

namespace dmakit {
namespace {

constexpr DmaDirection kBidi = DmaDirection::kBidirectional;
constexpr DmaAddr kIova(0x4000'0000);
const IoProt kRw = IoProt::kRead | IoProt::kWrite;

struct Rig {
  std::unique_ptr<Soc> soc;
  Topology topology;
  std::unique_ptr<Iommu> iommu;
  std::unique_ptr<DmaSystem> system;
  std::unique_ptr<IommuDomain> domain;
  std::unique_ptr<DomainMapper> mapper;

  explicit Rig(bool coherent) {
    SocConfig sc;
    sc.oracle = false;
    soc = Must(Soc::Create(sc));
    DeviceNode gpu;
    gpu.name = "gpu";
    gpu.coherent = coherent;
    gpu.iommu = IommuAttachment{"smmu0", 1};
    Must(topology.AddNode(gpu));
    iommu = Must(Iommu::Create(*soc, IommuConfig{}));
    system = Must(DmaSystem::Create(*soc, topology));
    Must(system->AddIommu(*iommu));
    domain = Must(iommu->AllocDomain(DomainType::kUnmanaged));
    mapper = Must(DomainMapper::Create(*system, "gpu", *domain));
  }
};

void Cycle(benchmark::State& state, uint64_t pages) {
  Rig rig(state.range(0) != 0);
  SgTable sg = SgTable::FromPages(Must(rig.soc->pages().AllocScattered(pages)));
  const uint64_t size = pages * kPageSize;
  for (auto _ : state) {
    Must(rig.mapper->MapSg(sg, kIova, kBidi, kRw));
    Must(rig.mapper->SyncForCpu(kIova, size, kBidi));
    Must(rig.mapper->SyncForDevice(kIova, size, kBidi));
    Must(rig.mapper->Unmap(kIova, size, kBidi));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}

void BM_DomainCycle4K(benchmark::State& state) { Cycle(state, 1); }
void BM_DomainCycle64Pages(benchmark::State& state) { Cycle(state, 64); }

// Baseline: the maintenance a non-coherent cycle must do, straight on the cache model.
void RawMaintenance(benchmark::State& state, uint64_t pages) {
  SocConfig sc;
  sc.oracle = false;
  auto soc = Must(Soc::Create(sc));
  std::vector<PhysAddr> list = Must(soc->pages().AllocScattered(pages));
  for (auto _ : state) {
    for (CacheOp op :
         {CacheOp::kClean, CacheOp::kInvalidate, CacheOp::kClean, CacheOp::kInvalidate}) {
      for (PhysAddr p : list) (void)soc->cache().Maintain(op, PhysRange(p, kPageSize));
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * pages * kPageSize));
}

void BM_RawMaintenance4K(benchmark::State& state) { RawMaintenance(state, 1); }
void BM_RawMaintenance64Pages(benchmark::State& state) { RawMaintenance(state, 64); }

// Baseline: the page-table work of the cycle alone (one Map per page, one Unmap).
void RawDomainMap(benchmark::State& state, uint64_t pages) {
  Rig rig(/*coherent=*/true);
  std::vector<PhysAddr> list = Must(rig.soc->pages().AllocScattered(pages));
  for (auto _ : state) {
    DmaAddr at = kIova;
    for (PhysAddr p : list) {
      Must(rig.domain->Map(at, p, kPageSize, kRw));
      at += kPageSize;
    }
    Must(rig.domain->Unmap(kIova, pages * kPageSize));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * pages * kPageSize));
}

void BM_RawDomainMap4K(benchmark::State& state) { RawDomainMap(state, 1); }
void BM_RawDomainMap64Pages(benchmark::State& state) { RawDomainMap(state, 64); }

void Coherency(benchmark::internal::Benchmark* b) {
  b->ArgNames({"coherent"});
  b->Arg(0);
  b->Arg(1);
}

BENCHMARK(BM_RawMaintenance4K);
BENCHMARK(BM_RawDomainMap4K);
BENCHMARK(BM_DomainCycle4K)->Apply(Coherency);
BENCHMARK(BM_RawMaintenance64Pages);
BENCHMARK(BM_RawDomainMap64Pages);
BENCHMARK(BM_DomainCycle64Pages)->Apply(Coherency);

}  // namespace
}  // namespace dmakit

BENCHMARK_MAIN();
