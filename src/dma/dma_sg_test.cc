// Scatter-gather mappings: many segments, coalescing behind the IOMMU, segment limits, data.
#include <gtest/gtest.h>

#include "dma_test_util.h"

namespace dmakit {
namespace {

using testing::DmaRig;
using testing::DmaRigOptions;
using testing::Pattern;

constexpr DmaDirection kBidi = DmaDirection::kBidirectional;

// The device writes every DMA segment, the driver unmaps, the CPU reads every page.
void DeviceWritesAllAndCpuReadsBack(DmaRig& rig, SgTable& sg) {
  std::vector<uint8_t> all = Pattern(sg.total_length(), 5);
  uint64_t at = 0;
  for (const SgDmaEntry& d : sg.dma()) {
    rig.DevWrite(d.address, std::vector<uint8_t>(all.begin() + at, all.begin() + at + d.length));
    at += d.length;
  }
  ASSERT_EQ(at, all.size());
  ASSERT_TRUE(rig.dev->UnmapSg(sg, sg.orig_nents(), kBidi).ok());
  at = 0;
  for (const SgCpuEntry& c : sg.cpu()) {
    EXPECT_EQ(rig.CpuRead(c.phys(), c.length),
              std::vector<uint8_t>(all.begin() + at, all.begin() + at + c.length));
    at += c.length;
  }
}

TEST(DmaSg, BehindAnIommuScatteredPagesCoalesceIntoOneSegment) {
  DmaRigOptions o;
  o.backend = DmaBackendKind::kIommu;
  auto rig = DmaRig::Make(o);
  auto pages = rig->soc->pages().AllocScattered(16).value();
  for (PhysAddr p : pages) rig->CpuWrite(p, Pattern(kPageSize, 2));
  SgTable sg = SgTable::FromPages(pages);
  ASSERT_EQ(rig->dev->MapSg(sg, kBidi), 1u);
  EXPECT_EQ(sg.dma()[0].length, 16 * kPageSize);
  DeviceWritesAllAndCpuReadsBack(*rig, sg);
  EXPECT_EQ(rig->Corruptions(), 0u);
}

TEST(DmaSg, CoalescingStopsAtMaxSegSize) {
  DmaRigOptions o;
  o.backend = DmaBackendKind::kIommu;
  o.max_seg_size = 4 * kPageSize;
  auto rig = DmaRig::Make(o);
  auto pages = rig->soc->pages().AllocScattered(64).value();
  SgTable sg = SgTable::FromPages(pages);
  ASSERT_EQ(rig->dev->MapSg(sg, kBidi), 16u);
  for (const SgDmaEntry& d : sg.dma()) EXPECT_LE(d.length, 4 * kPageSize);
  DeviceWritesAllAndCpuReadsBack(*rig, sg);
  EXPECT_EQ(rig->Corruptions(), 0u);
}

TEST(DmaSg, NoSegmentCrossesTheSegmentBoundary) {
  DmaRigOptions o;
  o.backend = DmaBackendKind::kIommu;
  o.seg_boundary = 2 * kPageSize - 1;
  auto rig = DmaRig::Make(o);
  auto pages = rig->soc->pages().AllocScattered(6).value();
  SgTable sg;
  sg.Append(pages[0], 2048, 2048);  // the first entry ends on a page boundary mid-window
  for (size_t i = 1; i < pages.size(); ++i) sg.Append(pages[i], 0, kPageSize);
  const uint32_t n = rig->dev->MapSg(sg, kBidi);
  ASSERT_GT(n, 1u);
  for (const SgDmaEntry& d : sg.dma()) {
    EXPECT_EQ(d.address.value() & ~o.seg_boundary,
              (d.address.value() + d.length - 1) & ~o.seg_boundary)
        << Hex(d.address) << " + " << d.length;
  }
  DeviceWritesAllAndCpuReadsBack(*rig, sg);
}

TEST(DmaSg, DirectMappingsKeepOneSegmentPerEntry) {
  auto rig = DmaRig::Make(DmaRigOptions{});
  auto pages = rig->soc->pages().AllocScattered(8).value();
  SgTable sg = SgTable::FromPages(pages);
  ASSERT_EQ(rig->dev->MapSg(sg, kBidi), 8u);
  for (uint32_t i = 0; i < 8; ++i) EXPECT_EQ(sg.dma()[i].address.value(), pages[i].value());
  auto maps = rig->log.OfKind(EventKind::kDmaMap);
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_EQ(maps[0].nents, 8u);
  EXPECT_EQ(maps[0].mapped_nents, 8u);
  EXPECT_EQ(maps[0].sg.size(), 8u);
  DeviceWritesAllAndCpuReadsBack(*rig, sg);
  EXPECT_EQ(rig->Corruptions(), 0u);
}

TEST(DmaSg, SyncSgMovesEveryEntryBothWays) {
  auto rig = DmaRig::Make(DmaRigOptions{});
  auto pages = rig->soc->pages().AllocScattered(4).value();
  SgTable sg = SgTable::FromPages(pages);
  ASSERT_EQ(rig->dev->MapSg(sg, kBidi), 4u);
  ASSERT_TRUE(rig->dev->SyncSgForCpu(sg, 4, kBidi).ok());
  for (PhysAddr p : pages) rig->CpuWrite(p, Pattern(kPageSize, 8));
  ASSERT_TRUE(rig->dev->SyncSgForDevice(sg, 4, kBidi).ok());
  for (const SgDmaEntry& d : sg.dma())
    EXPECT_EQ(rig->DevRead(d.address, d.length), Pattern(kPageSize, 8));
  EXPECT_EQ(rig->Corruptions(), 0u);
  DeviceWritesAllAndCpuReadsBack(*rig, sg);
}

TEST(DmaSg, AnEmptyTableOrEntryFailsAndLeavesTheDmaSideAlone) {
  auto rig = DmaRig::Make(DmaRigOptions{});
  SgTable empty;
  EXPECT_EQ(rig->dev->MapSg(empty, kBidi), 0u);
  EXPECT_EQ(rig->dev->last_error().code(), ErrorCode::kInvalidArgument);
  SgTable sg;
  sg.Append(rig->AllocPages(1), 0, 0);
  sg.mutable_dma().push_back(SgDmaEntry{DmaAddr(0x1000), 64});
  EXPECT_EQ(rig->dev->MapSg(sg, kBidi), 0u);
  ASSERT_EQ(sg.nents(), 1u);
  EXPECT_EQ(sg.dma()[0].address, DmaAddr(0x1000));
  EXPECT_EQ(rig->log.OfKind(EventKind::kDmaMap).size(), 2u);
}

// The seed story: the driver owns the device's IOMMU domain and still calls dma_map_sg. As in
// Linux, the DMA API maps the pages in its own default domain and overwrites the table's DMA
// side, which the device cannot use.
TEST(DmaSg, MapSgOnADriverManagedDeviceOverwritesTheDmaSide) {
  DmaRigOptions o;
  o.backend = DmaBackendKind::kIommu;
  o.unmanaged = true;
  auto rig = DmaRig::Make(o);
  auto pages = rig->soc->pages().AllocScattered(2).value();
  SgTable sg = SgTable::FromPages(pages);
  sg.mutable_dma().push_back(SgDmaEntry{DmaAddr(0x4000'0000), 2 * kPageSize});  // the GPU's IOVA
  ASSERT_EQ(rig->dev->MapSg(sg, kBidi), 1u);
  EXPECT_NE(sg.dma()[0].address, DmaAddr(0x4000'0000));
  std::vector<uint8_t> out(64);
  EXPECT_FALSE(rig->dev->DeviceRead(sg.dma()[0].address, out).ok());  // not its domain
  // Every other call is refused, after its event.
  EXPECT_EQ(rig->dev->SyncSgForDevice(sg, 2, kBidi).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(rig->log.Count(EventKind::kDmaSyncForDevice), 1u);
  DmaAddr single = rig->dev->MapSingle(rig->Cpu(pages[0]), 64, kBidi);
  EXPECT_TRUE(rig->dev->MappingError(single));
  EXPECT_EQ(rig->dev->last_error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(rig->dev->UnmapSg(sg, 2, kBidi).ok());
  EXPECT_EQ(rig->dev->live_mappings(), 0u);
}

}  // namespace
}  // namespace dmakit
