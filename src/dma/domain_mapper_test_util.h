// The platform the DomainMapper tests run on: a small non-coherent SoC with the oracle on,
// one IOMMU ("smmu0"), and a GPU whose IOMMU attachment sits either on the GPU's own node or
// on a sub-device of it (the two hardware generations of the seed story), coherent or not.
// The driver names "gpu" in both cases; the mapper resolves the node that carries the IOMMU.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "dmakit/core/event_sink.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/dma/domain_mapper.h"
#include "dmakit/iommu/iommu.h"
#include "dmakit/iommu/topology.h"
#include "dmakit/sim/soc.h"
#include "sim/soc_test_util.h"

namespace dmakit::testing {

enum class IommuOn : uint8_t { kGpuNode, kSubDevice };

struct RigParam {
  IommuOn placement = IommuOn::kGpuNode;
  bool coherent = false;
};

inline std::string ParamName(const ::testing::TestParamInfo<RigParam>& info) {
  return std::string(info.param.placement == IommuOn::kGpuNode ? "IommuOnGpu"
                                                               : "IommuOnSubDevice") +
         (info.param.coherent ? "Coherent" : "NonCoherent");
}

inline const RigParam kAllRigs[] = {{IommuOn::kGpuNode, false},
                                    {IommuOn::kGpuNode, true},
                                    {IommuOn::kSubDevice, false},
                                    {IommuOn::kSubDevice, true}};

inline DeviceNode Node(std::string name, std::string parent, bool coherent,
                       std::optional<IommuAttachment> iommu = std::nullopt) {
  DeviceNode n;
  n.name = std::move(name);
  n.parent = std::move(parent);
  n.coherent = coherent;
  n.iommu = std::move(iommu);
  return n;
}

// Members in construction order; they are destroyed in reverse (the mapper and the domain
// before the DMA system, all of them before the IOMMU and the SoC, the log last).
struct DomainRig {
  EventLog log;
  std::unique_ptr<Soc> soc;
  Topology topology;
  std::unique_ptr<Iommu> iommu;
  std::unique_ptr<DmaSystem> system;
  std::unique_ptr<IommuDomain> domain;
  std::unique_ptr<DomainMapper> mapper;

  // Builds the platform; `create_mapper` false leaves the mapper to the test.
  explicit DomainRig(RigParam param, EvictionPolicy policy = EvictionPolicy::kLru,
                     bool create_mapper = true) {
    soc = MakeSoc(SmallSocConfig(policy, /*seed=*/5));
    soc->bus().Subscribe(&log);
    EXPECT_TRUE(topology.AddNode(Node("soc", "", false)).ok());
    const IommuAttachment smmu{"smmu0", 4};
    if (param.placement == IommuOn::kGpuNode) {
      EXPECT_TRUE(topology.AddNode(Node("gpu", "soc", param.coherent, smmu)).ok());
      EXPECT_TRUE(topology.AddNode(Node("gpu-gmu", "gpu", false)).ok());
    } else {
      EXPECT_TRUE(topology.AddNode(Node("gpu", "soc", false)).ok());
      EXPECT_TRUE(topology.AddNode(Node("gpu-mmu", "gpu", param.coherent, smmu)).ok());
    }
    EXPECT_TRUE(topology.AddNode(Node("uart", "soc", false)).ok());
    iommu = std::move(Iommu::Create(*soc, IommuConfig{})).value();
    system = std::move(DmaSystem::Create(*soc, topology)).value();
    EXPECT_TRUE(system->AddIommu(*iommu).ok());
    domain = std::move(iommu->AllocDomain(DomainType::kUnmanaged)).value();
    if (create_mapper) {
      auto m = DomainMapper::Create(*system, "gpu", *domain);
      EXPECT_TRUE(m.ok()) << m.error().ToString();
      if (m.ok()) mapper = std::move(m).value();
    }
  }

  Symbol device() const { return mapper->device(); }
  PhysAddr Pages(uint64_t n) { return soc->pages().AllocContiguous(n).value(); }
  CpuAddr Linear(PhysAddr p) const { return soc->LinearAddress(p); }

  void CpuWrite(PhysAddr p, const std::vector<uint8_t>& data) {
    ASSERT_TRUE(soc->CpuWrite(Linear(p), data).ok());
  }
  std::vector<uint8_t> CpuRead(PhysAddr p, size_t n) {
    std::vector<uint8_t> out(n);
    EXPECT_TRUE(soc->CpuRead(Linear(p), out).ok());
    return out;
  }
  // The device's DMA at an IOVA, through the IOMMU.
  std::vector<uint8_t> DeviceRead(DmaAddr iova, size_t n) {
    std::vector<uint8_t> out(n);
    Status st = iommu->DeviceRead(device(), iova, out);
    EXPECT_TRUE(st.ok()) << st.error().ToString();
    return out;
  }
  void DeviceWrite(DmaAddr iova, const std::vector<uint8_t>& data) {
    Status st = iommu->DeviceWrite(device(), iova, data);
    ASSERT_TRUE(st.ok()) << st.error().ToString();
  }

  size_t Corruptions() const { return log.Count(EventKind::kCorruption); }
  size_t Count(EventKind kind) const { return log.Count(kind); }
};

}  // namespace dmakit::testing
