// IOMMU rules: stale IOTLB use, map over live, unmap of nothing, unflushed page-table writes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "check/check_test_util.h"
#include "dmakit/check/checker.h"

namespace dmakit {
namespace {

using ::testing::ElementsAre;
using namespace dmakit::testing;  // NOLINT

constexpr uint64_t kBuf = 0x80001000;
constexpr uint64_t kIova = 0x100000;
constexpr uint64_t kTable = 0x80200000;

class IommuRules : public ::testing::Test {
 protected:
  const Violation& Only(RuleId rule) {
    EXPECT_THAT(Rules(checker), ElementsAre(rule)) << Dump(checker);
    static const Violation kNone;
    return checker.violations().empty() ? kNone : checker.violations().front();
  }
  void ExpectClean() { EXPECT_EQ(checker.total(), 0u) << Dump(checker); }

  Checker checker;
  FakeDriver gpu{checker, "gpu"};
};

TEST_F(IommuRules, StaleIotlbHit) {
  gpu.IotlbStaleHit(1, kIova, kBuf);
  checker.OnEnd();  // no device access consumed the hit: reported on its own
  const Violation& v = Only(RuleId::kStaleIotlbAccess);
  EXPECT_EQ(v.message,
            "device read through a stale IOTLB entry [domain=1] [iova=0x100000] "
            "[phys=0x80001000] [size=64 bytes]");
  EXPECT_THAT(v.lines, ElementsAre(PhysRange(PhysAddr(kBuf), 64)));
}

TEST_F(IommuRules, DeviceAccessInTheLazyFlushWindow) {
  checker.Suppress(RuleId::kDeviceAccessNotOwned);  // the page has no DMA-API mapping here
  gpu.Attach(1, "unmanaged");
  gpu.IommuMap(1, kIova, kBuf, 4096);
  const uint32_t map_line = __LINE__ - 1;
  gpu.IommuUnmap(1, kIova, 4096);
  gpu.DeviceRead(kIova + 64, kBuf + 64, 64);
  const Violation& v = Only(RuleId::kStaleIotlbAccess);
  EXPECT_EQ(v.message,
            "device read of an IOVA unmapped since the last IOTLB invalidate [domain=1] "
            "[iova=0x100040] [phys=0x80001040] [size=64 bytes] [unmapped "
            "range=[0x100000-0x100fff]]");
  // The mapping it concerns is the map that went stale (#2), not the unmap (#3).
  EXPECT_EQ(v.mapping_where.line, map_line);
  EXPECT_EQ(v.mapping_seq, 2u);
}

TEST_F(IommuRules, AStaleAccessNamesTheMapOfThePageItReaches) {
  checker.Suppress(RuleId::kDeviceAccessNotOwned);
  gpu.Attach(1, "unmanaged");
  gpu.IommuMap(1, kIova, kBuf, 4096);
  gpu.IommuMap(1, kIova + 4096, kBuf + 4096, 4096);
  const uint32_t second_map_line = __LINE__ - 1;
  gpu.IommuUnmap(1, kIova, 8192);  // one unmap of both
  gpu.DeviceRead(kIova + 4096, kBuf + 4096, 64);
  const Violation& v = Only(RuleId::kStaleIotlbAccess);
  EXPECT_EQ(v.mapping_where.line, second_map_line);
  EXPECT_EQ(v.mapping_seq, 3u);
}

TEST_F(IommuRules, AStaleAccessWhereNothingWasMappedNamesTheUnmap) {
  checker.Suppress(RuleId::kDeviceAccessNotOwned);
  gpu.Attach(1, "unmanaged");
  gpu.IommuMap(1, kIova, kBuf, 4096);
  gpu.IommuUnmap(1, kIova, 8192);  // the second page was never mapped
  const uint32_t unmap_line = __LINE__ - 1;
  gpu.DeviceRead(kIova + 4096, kBuf + 4096, 64);
  const Violation& v = Only(RuleId::kStaleIotlbAccess);
  EXPECT_EQ(v.mapping_where.line, unmap_line);
  EXPECT_EQ(v.mapping_seq, 3u);
}

TEST_F(IommuRules, DeviceAccessAfterIotlbInvalidateIsNotStale) {
  checker.Suppress(RuleId::kDeviceAccessNotOwned);
  gpu.Attach(1, "unmanaged");
  gpu.IommuMap(1, kIova, kBuf, 4096);
  gpu.IommuUnmap(1, kIova, 4096);
  gpu.IotlbInvalidate(1, kIova, 4096);
  gpu.DeviceRead(kIova, kBuf, 64);
  ExpectClean();
}

TEST_F(IommuRules, InvalidateOfAllDomainsClosesTheWindow) {
  checker.Suppress(RuleId::kDeviceAccessNotOwned);
  gpu.Attach(1, "dma");
  gpu.IommuMap(1, kIova, kBuf, 4096);
  gpu.IommuUnmap(1, kIova, 4096);
  gpu.IotlbInvalidate(0, 0, 0);
  gpu.DeviceRead(kIova, kBuf, 64);
  ExpectClean();
}

TEST_F(IommuRules, IommuMapOverLive) {
  gpu.IommuMap(1, kIova, kBuf, 8192);
  gpu.IommuMap(1, kIova + 4096, 0x80100000, 4096);
  const Violation& v = Only(RuleId::kIommuMapOverLive);
  EXPECT_EQ(v.message,
            "IOMMU map over a live mapping [domain=1] [iova=0x101000] [size=4096 bytes] "
            "[phys=0x80100000] [live iova=0x100000] [live size=8192 bytes] [live "
            "phys=0x80001000]");
  EXPECT_EQ(v.mapping_seq, 1u);
}

TEST_F(IommuRules, IommuMapOfAdjacentRangesAndOtherDomainsIsClean) {
  gpu.IommuMap(1, kIova, kBuf, 4096);
  gpu.IommuMap(1, kIova + 4096, kBuf + 4096, 4096);
  gpu.IommuMap(2, kIova, kBuf, 4096);
  ExpectClean();
}

TEST_F(IommuRules, IommuUnmapNothingReportedByTheUnmap) {
  gpu.IommuUnmap(1, kIova, 4096, /*failed=*/true);
  EXPECT_EQ(Only(RuleId::kIommuUnmapNothing).message,
            "IOMMU unmap of a range with nothing mapped [domain=1] [iova=0x100000] [size=4096 "
            "bytes]");
}

TEST_F(IommuRules, IommuDoubleUnmapIsUnmapNothing) {
  gpu.IommuMap(1, kIova, kBuf, 4096);
  gpu.IommuUnmap(1, kIova, 4096);
  gpu.IommuUnmap(1, kIova, 4096);
  Only(RuleId::kIommuUnmapNothing);
}

TEST_F(IommuRules, PartialUnmapsOfOneMappingAreClean) {
  gpu.IommuMap(1, kIova, kBuf, 3 * 4096);
  gpu.IommuUnmap(1, kIova + 4096, 4096);
  gpu.IommuUnmap(1, kIova, 4096);
  gpu.IommuUnmap(1, kIova + 8192, 4096);
  gpu.IommuMap(1, kIova, kBuf, 3 * 4096);
  ExpectClean();
}

TEST_F(IommuRules, PageTableWriteNotCleaned) {
  gpu.PageTableWrite(1, kTable + 0x10, 8, "noncoherent");
  gpu.PageTableWalk(1, kIova, kTable + 0x10);
  const Violation& v = Only(RuleId::kPageTableWriteNotCleaned);
  EXPECT_EQ(v.message,
            "non-coherent IOMMU walk reads a page-table line the CPU wrote but did not clean "
            "[domain=1] [iova=0x100000] [descriptor=0x80200010] [cacheline=0x80200000]");
  EXPECT_THAT(v.lines, ElementsAre(PhysRange(PhysAddr(kTable), 64)));
}

TEST_F(IommuRules, PageTableWriteNotCleanedNamesTheMapOfTheWalkedTranslation) {
  gpu.IommuMap(1, kIova - 0x1000, 0x80000000, 0x1000);  // a neighbour: not the one walked
  gpu.PageTableWrite(1, kTable + 0x10, 8, "noncoherent");
  gpu.IommuMap(1, kIova, 0x80001000, 0x1000);
  const uint32_t map_line = __LINE__ - 1;
  gpu.PageTableWalk(1, kIova + 0x40, kTable + 0x10);
  const Violation& v = Only(RuleId::kPageTableWriteNotCleaned);
  EXPECT_EQ(v.mapping_seq, 3u);
  EXPECT_EQ(v.mapping_where.line, map_line);
}

TEST_F(IommuRules, PageTableWriteNotCleanedAfterAnUnmapNamesTheUnmappedTranslation) {
  gpu.IommuMap(1, kIova, 0x80001000, 0x1000);
  const uint32_t map_line = __LINE__ - 1;
  gpu.PageTableWrite(1, kTable + 0x10, 8, "noncoherent");  // the descriptor cleared
  gpu.IommuUnmap(1, kIova, 0x1000);
  gpu.PageTableWalk(1, kIova, kTable + 0x10);
  const Violation& v = Only(RuleId::kPageTableWriteNotCleaned);
  EXPECT_EQ(v.mapping_seq, 1u);
  EXPECT_EQ(v.mapping_where.line, map_line);
}

TEST_F(IommuRules, CleanedPageTableWriteIsClean) {
  gpu.PageTableWrite(1, kTable, 4096, "noncoherent");
  gpu.Maintain(CacheOp::kClean, kTable, 4096);
  gpu.PageTableWalk(1, kIova, kTable + 0x10);
  ExpectClean();
}

TEST_F(IommuRules, InvalidateAloneDoesNotPublishAPageTableWrite) {
  gpu.PageTableWrite(1, kTable, 64, "noncoherent");
  gpu.Maintain(CacheOp::kInvalidate, kTable, 64);
  gpu.PageTableWalk(1, kIova, kTable);
  Only(RuleId::kPageTableWriteNotCleaned);
}

TEST_F(IommuRules, CoherentWalkerNeedsNoClean) {
  gpu.PageTableWrite(1, kTable, 64, "coherent");
  gpu.PageTableWalk(1, kIova, kTable);
  ExpectClean();
}

}  // namespace
}  // namespace dmakit
