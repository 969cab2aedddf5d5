// The GPU driver's submit loop, as an application drives it: three buffer objects (a 1 MiB
// cached source, a 1 MiB cached destination, a 1 MiB write-combined fill target) and a
// write-combined command buffer. Each iteration writes the commands through the command
// buffer's WC mapping (cpu_prep / cpu_fini around it), submits COPY src -> dst (1 MiB) and
// FILL (1 MiB), waits for the fence, and reads back 64 KiB of the destination after cpu_prep.
// Non-coherent GPU behind an IOMMU on a sub-device.
//
// Measured twice in this program: with the oracle and a Checker on, and with both off (the
// baseline). Items are submissions: items_per_second is simulated submissions per second.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "bench_setup.h"
#include "dmakit/check/checker.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/gpu/gpu_device.h"
#include "dmakit/iommu/iommu.h"
#include "dmakit/iommu/topology.h"
#include "dmakit/sim/soc.h"

namespace dmakit {
namespace {

constexpr uint32_t kMiB = 1 << 20;
constexpr uint64_t kReadBack = 64 * 1024;

DeviceNode Node(std::string name, std::string parent, std::optional<IommuAttachment> iommu) {
  DeviceNode n;
  n.name = std::move(name);
  n.parent = std::move(parent);
  n.iommu = std::move(iommu);
  return n;
}

struct Rig {
  Checker checker;
  std::unique_ptr<Soc> soc;
  Topology topology;
  std::unique_ptr<Iommu> iommu;
  std::unique_ptr<DmaSystem> system;
  std::unique_ptr<Gpu> gpu;
  uint32_t cmd = 0, src = 0, dst = 0, fill = 0;

  explicit Rig(bool checked) {
    SocConfig config;
    config.banks = {{"dram0", PhysAddr(0x8000'0000), 64ull << 20}};
    config.oracle = checked;
    soc = Must(Soc::Create(config));
    if (checked) soc->bus().Subscribe(&checker);
    Must(topology.AddNode(Node("soc", "", std::nullopt)));
    Must(topology.AddNode(Node("gpu", "soc", std::nullopt)));
    Must(topology.AddNode(Node("gpu-cx", "gpu", IommuAttachment{"smmu0", 4})));
    iommu = Must(Iommu::Create(*soc, IommuConfig{}));
    system = Must(DmaSystem::Create(*soc, topology));
    Must(system->AddIommu(*iommu));
    system->Announce();
    gpu = Must(Gpu::Create(*system, *iommu, "gpu"));
    cmd = Bo(kPageSize, GemCaching::kWriteCombine, DmaDirection::kToDevice, "cmd");
    src = Bo(kMiB, GemCaching::kCached, DmaDirection::kBidirectional, "src");
    dst = Bo(kMiB, GemCaching::kCached, DmaDirection::kBidirectional, "dst");
    fill = Bo(kMiB, GemCaching::kWriteCombine, DmaDirection::kBidirectional, "fill");
    Must(gpu->WriteBo(src, 0, std::vector<uint8_t>(kMiB, 7)));
  }
  uint32_t Bo(uint64_t size, GemCaching caching, DmaDirection dir, const char* name) {
    return Must(gpu->CreateBo(GemCreateInfo{size, caching, dir, false, name}));
  }

  void SubmitOnce(uint32_t i, std::vector<uint8_t>& out) {
    CommandBuilder b;
    b.Copy(Must(gpu->GetIova(dst)), Must(gpu->GetIova(src)), kMiB)
        .Fill(Must(gpu->GetIova(fill)), kMiB, i);
    Must(gpu->WriteBo(cmd, 0, b.Bytes()));
    const uint32_t fence =
        Must(gpu->Submit(Submission{0, {src, dst, fill}, cmd, 0, b.size_bytes()}));
    Must(gpu->Wait(0, fence));
    Must(gpu->ReadBo(dst, 0, out));
  }
};

void BM_SubmitLoop(benchmark::State& state) {
  const bool checked = state.range(0) != 0;
  Rig rig(checked);
  std::vector<uint8_t> out(kReadBack);
  uint32_t i = 0;
  for (auto _ : state) {
    rig.SubmitOnce(++i, out);
    benchmark::DoNotOptimize(out.data());
  }
  if (out[0] != 7) state.SkipWithError("the GPU's copy did not arrive");
  if (checked && rig.checker.total() != 0) state.SkipWithError("the checker reported a violation");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * 2 * kMiB);
  state.SetLabel(checked ? "checker+oracle on" : "checker+oracle off (baseline)");
}
BENCHMARK(BM_SubmitLoop)->Arg(0)->Arg(1)->ArgName("checked")->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace dmakit

BENCHMARK_MAIN();
