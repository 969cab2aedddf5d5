// The platform the gpu tests run on: a small non-coherent SoC with the oracle on, one IOMMU
// ("smmu0"), a GPU whose IOMMU attachment sits on its own node ("gpu") or on a sub-device
// ("gpu" -> "gpu-cx"), coherent or not, a display node "mdss" with no IOMMU (a direct device
// with a 32-bit mask, the seed's drm device), a Checker and an EventLog watching the bus, and
// the driver (Gpu) set up from the device name "gpu" in both cases.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dmakit/check/checker.h"
#include "dmakit/core/event_sink.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/gpu/gpu_device.h"
#include "dmakit/iommu/iommu.h"
#include "dmakit/iommu/topology.h"
#include "dmakit/sim/soc.h"
#include "sim/soc_test_util.h"

namespace dmakit::testing {

enum class IommuOn : uint8_t { kGpuNode, kSubDevice };

struct GpuRigParam {
  IommuOn placement = IommuOn::kGpuNode;
  bool coherent = false;
  EvictionPolicy policy = EvictionPolicy::kLru;
};

inline std::string GpuParamName(const ::testing::TestParamInfo<GpuRigParam>& info) {
  const char* policy = info.param.policy == EvictionPolicy::kLru      ? "Lru"
                       : info.param.policy == EvictionPolicy::kRandom ? "Random"
                                                                      : "Adversarial";
  return std::string(info.param.placement == IommuOn::kGpuNode ? "IommuOnGpu"
                                                               : "IommuOnSubDevice") +
         (info.param.coherent ? "Coherent" : "NonCoherent") + policy;
}

inline std::vector<GpuRigParam> AllGpuRigs() {
  std::vector<GpuRigParam> out;
  for (IommuOn on : {IommuOn::kGpuNode, IommuOn::kSubDevice}) {
    for (bool coherent : {false, true}) {
      for (EvictionPolicy p :
           {EvictionPolicy::kLru, EvictionPolicy::kRandom, EvictionPolicy::kAdversarial}) {
        out.push_back(GpuRigParam{on, coherent, p});
      }
    }
  }
  return out;
}

inline DeviceNode GpuNode(std::string name, std::string parent, bool coherent,
                          std::optional<IommuAttachment> iommu = std::nullopt) {
  DeviceNode n;
  n.name = std::move(name);
  n.parent = std::move(parent);
  n.coherent = coherent;
  n.iommu = std::move(iommu);
  return n;
}

struct GpuRigOptions {
  GpuOptions gpu;
  DmaSystemConfig dma;
  uint64_t ram_bytes = 16ull << 20;
  PhysAddr ram_base = PhysAddr(0x8000'0000);
};

// Members in construction order, destroyed in reverse (driver first, sinks last).
struct GpuRig {
  EventLog log;
  Checker checker;
  std::unique_ptr<Soc> soc;
  Topology topology;
  std::unique_ptr<Iommu> iommu;
  std::unique_ptr<DmaSystem> system;
  std::unique_ptr<Gpu> gpu;

  explicit GpuRig(GpuRigParam param = {}, GpuRigOptions opt = {}) {
    SocConfig config = SmallSocConfig(param.policy, /*seed=*/7);
    config.banks = {{"dram0", opt.ram_base, opt.ram_bytes}};
    soc = MakeSoc(config);
    soc->bus().Subscribe(&log);
    soc->bus().Subscribe(&checker);
    EXPECT_TRUE(topology.AddNode(GpuNode("soc", "", false)).ok());
    const IommuAttachment smmu{"smmu0", 4};
    if (param.placement == IommuOn::kGpuNode) {
      EXPECT_TRUE(topology.AddNode(GpuNode("gpu", "soc", param.coherent, smmu)).ok());
    } else {
      EXPECT_TRUE(topology.AddNode(GpuNode("gpu", "soc", false)).ok());
      EXPECT_TRUE(topology.AddNode(GpuNode("gpu-cx", "gpu", param.coherent, smmu)).ok());
    }
    EXPECT_TRUE(topology.AddNode(GpuNode("mdss", "soc", false)).ok());
    iommu = std::move(Iommu::Create(*soc, IommuConfig{})).value();
    auto sys = DmaSystem::Create(*soc, topology, opt.dma);
    EXPECT_TRUE(sys.ok()) << sys.error().ToString();
    system = std::move(sys).value();
    EXPECT_TRUE(system->AddIommu(*iommu).ok());
    system->Announce();
    auto g = Gpu::Create(*system, *iommu, "gpu", opt.gpu);
    EXPECT_TRUE(g.ok()) << g.error().ToString();
    if (g.ok()) gpu = std::move(g).value();
  }

  uint32_t Bo(uint64_t size, GemCaching caching, std::string name,
              DmaDirection dir = DmaDirection::kBidirectional) {
    auto h = gpu->CreateBo(GemCreateInfo{size, caching, dir, false, std::move(name)});
    EXPECT_TRUE(h.ok()) << h.error().ToString();
    return h.ok() ? *h : 0;
  }
  DmaAddr Iova(uint32_t handle) {
    auto a = gpu->GetIova(handle);
    EXPECT_TRUE(a.ok()) << a.error().ToString();
    return a.ok() ? *a : DmaAddr(0);
  }
  // Writes `cmds` into the command buffer `cmd` (through its CPU view) and submits it.
  uint32_t Submit(uint32_t cmd, const CommandBuilder& cmds, std::vector<uint32_t> bos) {
    Status w = gpu->WriteBo(cmd, 0, cmds.Bytes());
    EXPECT_TRUE(w.ok()) << w.error().ToString();
    auto f = gpu->Submit(Submission{0, std::move(bos), cmd, 0, cmds.size_bytes()});
    EXPECT_TRUE(f.ok()) << f.error().ToString();
    return f.ok() ? *f : 0;
  }
  std::vector<uint8_t> Read(uint32_t handle, uint64_t offset, size_t n) {
    std::vector<uint8_t> out(n);
    Status st = gpu->ReadBo(handle, offset, out);
    EXPECT_TRUE(st.ok()) << st.error().ToString();
    return out;
  }
  size_t Corruptions() const { return log.Count(EventKind::kCorruption); }
  std::string Violations() const {
    std::string out;
    for (const Violation& v : checker.violations()) {
      out += std::string(RuleCode(v.rule)) + ": " + v.message + "\n";
    }
    return out;
  }
};

inline std::vector<uint8_t> Words(const std::vector<uint32_t>& words) {
  std::vector<uint8_t> out(words.size() * 4);
  for (size_t i = 0; i < words.size(); ++i) {
    for (int b = 0; b < 4; ++b) out[i * 4 + b] = static_cast<uint8_t>(words[i] >> (8 * b));
  }
  return out;
}

}  // namespace dmakit::testing
