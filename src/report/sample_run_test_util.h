// A real run for the report's rendering test and the screenshot in docs/: a NIC driver on a
// non-coherent SoC (direct DMA, oracle and checker on) that transmits one frame correctly,
// then reads a received frame before dma_sync_single_for_cpu (DMA101; the oracle sees the
// stale bytes), then reuses its transmit buffer without dma_sync_single_for_device (DMA101
// again; the device reads stale data).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "dmakit/check/checker.h"
#include "dmakit/core/event_sink.h"
#include "dmakit/dma/dma_device.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/iommu/iommu.h"
#include "dmakit/iommu/topology.h"
#include "dmakit/report/run_record.h"
#include "dmakit/sim/soc.h"

namespace dmakit::testing {

inline std::vector<uint8_t> Bytes(uint64_t size, uint8_t seed) {
  std::vector<uint8_t> v(size);
  for (uint64_t i = 0; i < size; ++i) v[i] = static_cast<uint8_t>(seed + i * 13);
  return v;
}

inline RunRecord SampleNicRun() {
  EventLog log;
  Checker checker;
  SocConfig sc;
  sc.cache.size = 16 * 1024;
  auto soc = std::move(Soc::Create(sc).value());
  soc->bus().Subscribe(&log);
  soc->bus().Subscribe(&checker);
  Topology topology;
  DeviceNode node;
  node.name = "eth0";
  EXPECT_TRUE(topology.AddNode(node).ok());
  auto system = std::move(DmaSystem::Create(*soc, topology).value());
  system->Announce();
  DmaDevice* nic = system->Probe("eth0").value();
  auto cpu = [&](PhysAddr p) { return soc->LinearAddress(p); };
  auto cpu_read = [&](PhysAddr p, uint64_t n) {
    std::vector<uint8_t> out(n);
    EXPECT_TRUE(soc->CpuRead(cpu(p), out).ok());
  };

  // Transmit done right: fill, map TO_DEVICE, the NIC reads, unmap.
  const PhysAddr tx = soc->pages().AllocContiguous(1).value();
  EXPECT_TRUE(soc->CpuWrite(cpu(tx), Bytes(512, 1)).ok());
  DmaAddr tx_dma = nic->MapSingle(cpu(tx), 512, DmaDirection::kToDevice);
  EXPECT_FALSE(nic->MappingError(tx_dma));
  std::vector<uint8_t> frame(512);
  EXPECT_TRUE(nic->DeviceRead(tx_dma, frame).ok());
  EXPECT_TRUE(nic->UnmapSingle(tx_dma, 512, DmaDirection::kToDevice).ok());

  // Receive: the CPU reads the frame before dma_sync_single_for_cpu.
  const PhysAddr rx = soc->pages().AllocContiguous(1).value();
  EXPECT_TRUE(soc->CpuWrite(cpu(rx), Bytes(1024, 9)).ok());  // old contents, cached
  DmaAddr rx_dma = nic->MapSingle(cpu(rx), 1024, DmaDirection::kFromDevice);
  EXPECT_FALSE(nic->MappingError(rx_dma));
  EXPECT_TRUE(nic->DeviceWrite(rx_dma, Bytes(256, 0x40)).ok());
  cpu_read(rx, 64);  // the header, too early: stale
  EXPECT_TRUE(nic->SyncSingleForCpu(rx_dma, 256, DmaDirection::kFromDevice).ok());
  cpu_read(rx, 256);
  EXPECT_TRUE(nic->SyncSingleForDevice(rx_dma, 256, DmaDirection::kFromDevice).ok());
  EXPECT_TRUE(nic->DeviceWrite(rx_dma, Bytes(1024, 0x70)).ok());
  EXPECT_TRUE(nic->SyncSingleForCpu(rx_dma, 1024, DmaDirection::kFromDevice).ok());
  cpu_read(rx, 1024);

  // Transmit again, reusing a mapped buffer without dma_sync_single_for_device.
  DmaAddr tx2 = nic->MapSingle(cpu(tx), 512, DmaDirection::kToDevice);
  EXPECT_FALSE(nic->MappingError(tx2));
  EXPECT_TRUE(nic->SyncSingleForCpu(tx2, 512, DmaDirection::kToDevice).ok());
  EXPECT_TRUE(soc->CpuWrite(cpu(tx) + 128, Bytes(128, 0x99)).ok());
  EXPECT_TRUE(nic->DeviceRead(tx2, frame).ok());  // sees the old bytes
  EXPECT_TRUE(nic->UnmapSingle(tx2, 512, DmaDirection::kToDevice).ok());
  EXPECT_TRUE(nic->UnmapSingle(rx_dma, 1024, DmaDirection::kFromDevice).ok());
  checker.OnEnd();

  RunRecord r;
  r.name = "nic-rx-tx-missing-syncs";
  r.description =
      "A NIC driver on a non-coherent SoC reads a received frame before "
      "dma_sync_single_for_cpu, and reuses its transmit buffer without "
      "dma_sync_single_for_device.";
  r.source = "src/report/sample_run_test_util.h";
  r.seed = sc.seed;
  r.events = log.events();
  r.violations = checker.violations();
  for (int i = 0; i < kRuleCount; ++i) {
    const auto rule = static_cast<RuleId>(i);
    if (checker.count(rule)) r.rule_counts[rule] = checker.count(rule);
  }
  r.corruptions = log.OfKind(EventKind::kCorruption);
  r.expectations = {{"no violation",
                     r.violations.empty(),
                     std::to_string(r.violations.size()) + " violations",
                     {}},
                    {"no corruption",
                     r.corruptions.empty(),
                     std::to_string(r.corruptions.size()) + " corruptions",
                     {}}};
  r.counters["cpu.accesses"] = log.Count(EventKind::kCpuAccess);
  r.counters["device.accesses"] = log.Count(EventKind::kDeviceAccess);
  r.counters["cache.maintenance_ops"] = log.Count(EventKind::kCacheMaintenance);
  return r;
}

}  // namespace dmakit::testing
