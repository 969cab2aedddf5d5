#include "dmakit/check/iommu_state.h"

#include <gtest/gtest.h>

namespace dmakit {
namespace {

IommuState::Translation T(uint64_t iova, uint64_t end, uint64_t phys, uint64_t seq) {
  return IommuState::Translation{iova, end, phys, seq, SourceLoc{}, Symbol("dev")};
}

TEST(IommuState, MapIfFreeRecordsATranslationBetweenLiveNeighbours) {
  IommuState s;
  ASSERT_TRUE(s.MapIfFree(1, T(0x1000, 0x2000, 0x8000'0000, 1)).empty());
  ASSERT_TRUE(s.MapIfFree(1, T(0x3000, 0x4000, 0x8000'2000, 2)).empty());
  EXPECT_TRUE(s.MapIfFree(1, T(0x2000, 0x3000, 0x8000'1000, 3)).empty());
  IommuState::Translations all = s.Overlapping(1, 0, 0x10000);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].iova, 0x2000u);
  EXPECT_EQ(all[1].seq, 3u);
}

TEST(IommuState, MapIfFreeOverALiveTranslationRecordsNothingAndNamesIt) {
  IommuState s;
  ASSERT_TRUE(s.MapIfFree(1, T(0x1000, 0x3000, 0x8000'0000, 1)).empty());
  // Starts inside the live one (found through the translation before the new start).
  IommuState::Translations hit = s.MapIfFree(1, T(0x2000, 0x4000, 0x9000'0000, 2));
  ASSERT_EQ(hit.size(), 1u);
  EXPECT_EQ(hit[0].iova, 0x1000u);
  EXPECT_EQ(hit[0].seq, 1u);
  // Covers it from before.
  hit = s.MapIfFree(1, T(0x0, 0x1001, 0x9000'0000, 3));
  ASSERT_EQ(hit.size(), 1u);
  EXPECT_EQ(hit[0].seq, 1u);
  EXPECT_EQ(s.Overlapping(1, 0, 0x10000).size(), 1u);
  // Another domain is not affected.
  EXPECT_TRUE(s.MapIfFree(2, T(0x2000, 0x4000, 0x9000'0000, 4)).empty());
}

TEST(IommuState, MapIfFreeClosesThePendingWindowItMapsOver) {
  IommuState s;
  ASSERT_TRUE(s.MapIfFree(1, T(0x1000, 0x2000, 0x8000'0000, 1)).empty());
  ASSERT_EQ(s.Unmap(1, 0x1000, 0x2000, 2, SourceLoc{}).size(), 1u);
  ASSERT_TRUE(s.StaleAt(1, 0x1800).has_value());
  ASSERT_TRUE(s.MapIfFree(1, T(0x1000, 0x2000, 0x8000'4000, 3)).empty());
  EXPECT_FALSE(s.StaleAt(1, 0x1800).has_value());
}

}  // namespace
}  // namespace dmakit
