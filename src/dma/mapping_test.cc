// The RAII face: destruction unmaps, the CPU-access guard syncs both ways, moved-from handles
// are inert.
#include "dmakit/dma/mapping.h"

#include <gtest/gtest.h>

#include "dma_test_util.h"

namespace dmakit {
namespace {

using testing::DmaRig;
using testing::DmaRigOptions;
using testing::Pattern;

constexpr DmaDirection kBidi = DmaDirection::kBidirectional;

TEST(DmaMapping, DestructionUnmaps) {
  auto rig = DmaRig::Make(DmaRigOptions{});
  PhysAddr buf = rig->AllocPages(1);
  {
    auto m = DmaMapping::Single(*rig->dev, rig->Cpu(buf), 4096, kBidi);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(rig->dev->live_mappings(), 1u);
  }
  EXPECT_EQ(rig->dev->live_mappings(), 0u);
  EXPECT_EQ(rig->log.Count(EventKind::kDmaUnmap), 1u);
  EXPECT_EQ(rig->log.Count(EventKind::kDmaMappingError), 1u);  // checked by construction
}

TEST(DmaMapping, AMappingErrorBecomesTheError) {
  auto rig = DmaRig::Make(DmaRigOptions{});
  auto m = DmaMapping::Page(*rig->dev, rig->AllocPages(1), 0, 0, kBidi);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kInvalidArgument);
}

TEST(DmaMapping, CpuAccessSyncsForTheCpuAndBack) {
  auto rig = DmaRig::Make(DmaRigOptions{});
  PhysAddr buf = rig->AllocPages(1);
  auto m = DmaMapping::Single(*rig->dev, rig->Cpu(buf), 4096, kBidi).value();
  rig->DevWrite(m.dma(), Pattern(4096, 1));
  {
    auto guard = m.CpuAccess().value();
    EXPECT_EQ(rig->CpuRead(buf, 4096), Pattern(4096, 1));
    rig->CpuWrite(buf, Pattern(4096, 2));
  }
  EXPECT_EQ(rig->log.Count(EventKind::kDmaSyncForCpu), 1u);
  EXPECT_EQ(rig->log.Count(EventKind::kDmaSyncForDevice), 1u);
  EXPECT_EQ(rig->DevRead(m.dma(), 4096), Pattern(4096, 2));
  EXPECT_EQ(rig->Corruptions(), 0u);
  EXPECT_TRUE(m.Unmap().ok());
  EXPECT_EQ(m.Unmap().error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(m.SyncForCpu().error().code(), ErrorCode::kFailedPrecondition);
}

TEST(DmaMapping, MovedFromHandlesAreInert) {
  auto rig = DmaRig::Make(DmaRigOptions{});
  PhysAddr buf = rig->AllocPages(1);
  auto a = DmaMapping::Single(*rig->dev, rig->Cpu(buf), 4096, kBidi).value();
  DmaMapping b = std::move(a);
  EXPECT_FALSE(a.live());  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_TRUE(b.live());
  EXPECT_EQ(a.Unmap().error().code(), ErrorCode::kFailedPrecondition);
  auto guard = b.CpuAccess().value();
  CpuAccessGuard moved = std::move(guard);
  EXPECT_EQ(guard.Release().error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(moved.Release().ok());
  EXPECT_EQ(rig->log.Count(EventKind::kDmaSyncForDevice), 1u);
  EXPECT_EQ(rig->log.Count(EventKind::kDmaUnmap), 0u);
  b = DmaMapping::Single(*rig->dev, rig->Cpu(buf + 2048), 64, kBidi).value();  // unmaps the old
  EXPECT_EQ(rig->log.Count(EventKind::kDmaUnmap), 1u);
  EXPECT_EQ(rig->dev->live_mappings(), 1u);
}

TEST(SgMapping, DestructionUnmapsAndGuardSyncsEveryEntry) {
  DmaRigOptions o;
  o.backend = DmaBackendKind::kIommu;
  auto rig = DmaRig::Make(o);
  auto pages = rig->soc->pages().AllocScattered(4).value();
  SgTable sg = SgTable::FromPages(pages);
  {
    auto m = SgMapping::Map(*rig->dev, sg, kBidi).value();
    const auto data = Pattern(4 * kPageSize, 3);
    rig->DevWrite(sg.dma()[0].address, data);
    {
      auto guard = m.CpuAccess().value();
      EXPECT_EQ(rig->CpuRead(pages[2], kPageSize),
                std::vector<uint8_t>(data.begin() + 2 * kPageSize, data.begin() + 3 * kPageSize));
    }
    EXPECT_EQ(rig->log.Count(EventKind::kDmaSyncForDevice), 1u);
    SgMapping moved = std::move(m);
    EXPECT_FALSE(m.live());  // NOLINT(bugprone-use-after-move)
  }
  EXPECT_EQ(rig->dev->live_mappings(), 0u);
  EXPECT_EQ(sg.nents(), 0u);
  EXPECT_EQ(rig->log.Count(EventKind::kDmaUnmap), 1u);
  EXPECT_EQ(rig->Corruptions(), 0u);
}

}  // namespace
}  // namespace dmakit
