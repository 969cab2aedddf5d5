// The platform the DMA-API tests run on: a small SoC with the oracle on, one device "dev"
// served by the backend under test (direct, behind IOMMU "smmu0", or swiotlb=force bounce),
// coherent or not, and helpers for the CPU's and the device's side of a buffer.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dmakit/core/event_sink.h"
#include "dmakit/dma/dma_device.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/iommu/iommu.h"
#include "dmakit/iommu/topology.h"
#include "dmakit/sim/soc.h"

namespace dmakit::testing {

struct DmaRigOptions {
  DmaBackendKind backend = DmaBackendKind::kDirect;
  bool coherent = false;
  bool oracle = true;
  EvictionPolicy eviction = EvictionPolicy::kLru;
  uint64_t bounce_size = 1 << 20;  // 0: no bounce pool
  uint64_t dma_mask = ~uint64_t{0};
  uint64_t max_seg_size = 64 * 1024;
  uint64_t seg_boundary = 0xffff'ffffull;
  std::vector<MemoryBank> banks = {{"dram0", PhysAddr(0x8000'0000), 64ull << 20}};
  bool unmanaged = false;  // ProbeUnmanaged instead of Probe
};

// Members in construction order, destroyed in reverse (the log last).
struct DmaRig {
  EventLog log;
  std::unique_ptr<Soc> soc;
  Topology topology;
  std::unique_ptr<Iommu> iommu;
  std::unique_ptr<DmaSystem> system;
  DmaDevice* dev = nullptr;

  static std::unique_ptr<DmaRig> Make(const DmaRigOptions& o) {
    auto rig = std::make_unique<DmaRig>();
    SocConfig sc;
    sc.banks = o.banks;
    sc.oracle = o.oracle;
    sc.cache.size = 16 * 1024;
    sc.cache.policy = o.eviction;
    rig->soc = std::move(Soc::Create(sc).value());
    rig->soc->bus().Subscribe(&rig->log);
    DeviceNode node;
    node.name = "dev";
    node.coherent = o.coherent;
    node.dma_mask = o.dma_mask;
    node.max_seg_size = o.max_seg_size;
    node.seg_boundary = o.seg_boundary;
    if (o.backend == DmaBackendKind::kIommu) node.iommu = IommuAttachment{"smmu0", 7};
    EXPECT_TRUE(rig->topology.AddNode(node).ok());
    rig->iommu = std::move(Iommu::Create(*rig->soc, IommuConfig{}).value());
    DmaSystemConfig dc;
    dc.bounce.size = o.bounce_size;
    dc.bounce.force_bounce = o.backend == DmaBackendKind::kBounce;
    rig->system = std::move(DmaSystem::Create(*rig->soc, rig->topology, dc).value());
    EXPECT_TRUE(rig->system->AddIommu(*rig->iommu).ok());
    rig->system->Announce();
    auto dev = o.unmanaged ? rig->system->ProbeUnmanaged("dev") : rig->system->Probe("dev");
    rig->dev = dev.value();
    return rig;
  }

  PhysAddr AllocPages(uint64_t n) { return soc->pages().AllocContiguous(n).value(); }
  CpuAddr Cpu(PhysAddr p) const { return soc->LinearAddress(p); }

  void CpuWrite(PhysAddr p, const std::vector<uint8_t>& data) {
    ASSERT_TRUE(soc->CpuWrite(Cpu(p), data).ok());
  }
  std::vector<uint8_t> CpuRead(PhysAddr p, uint64_t size) {
    std::vector<uint8_t> out(size);
    EXPECT_TRUE(soc->CpuRead(Cpu(p), out).ok());
    return out;
  }
  std::vector<uint8_t> DevRead(DmaAddr dma, uint64_t size) {
    std::vector<uint8_t> out(size);
    EXPECT_TRUE(dev->DeviceRead(dma, out).ok());
    return out;
  }
  void DevWrite(DmaAddr dma, const std::vector<uint8_t>& data) {
    ASSERT_TRUE(dev->DeviceWrite(dma, data).ok());
  }
  // Reads `bytes` of other memory through the cache, evicting what it held.
  void Thrash(uint64_t bytes = 256 * 1024) {
    PhysAddr other = AllocPages(bytes / kPageSize);
    std::vector<uint8_t> sink(bytes);
    ASSERT_TRUE(soc->CpuRead(Cpu(other), sink).ok());
  }
  size_t Corruptions() const { return log.Count(EventKind::kCorruption); }
};

inline std::vector<uint8_t> Pattern(uint64_t size, uint8_t seed) {
  std::vector<uint8_t> v(size);
  for (uint64_t i = 0; i < size; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

}  // namespace dmakit::testing
