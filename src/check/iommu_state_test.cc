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

// Map, unmap and invalidate remember the last domain they used; domains added later (the maps
// grow and move their entries) must not leave a lookup on another domain's translations.
TEST(IommuState, DomainsComingLaterDoNotMixTranslationsOrWindows) {
  IommuState s;
  for (uint64_t d = 1; d <= 40; ++d) {
    ASSERT_TRUE(s.MapIfFree(d, T(0x1000, 0x2000, 0x8000'0000 + d * 0x1000, d)).empty());
    ASSERT_EQ(s.Unmap(d, 0x1000, 0x2000, 100 + d, SourceLoc{}).size(), 1u);
    ASSERT_TRUE(s.MapIfFree(d, T(0x3000, 0x4000, 0x9000'0000 + d * 0x1000, 200 + d)).empty());
  }
  for (uint64_t d = 1; d <= 40; ++d) {
    IommuState::Translations live = s.Overlapping(d, 0, 0x10000);
    ASSERT_EQ(live.size(), 1u);
    EXPECT_EQ(live[0].seq, 200 + d);
    auto p = s.StaleAt(d, 0x1800);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->seq, 100 + d);
  }
  s.Invalidate(7, 0, 0);
  EXPECT_FALSE(s.StaleAt(7, 0x1800).has_value());
  EXPECT_TRUE(s.StaleAt(8, 0x1800).has_value());
  EXPECT_TRUE(s.Unmap(41, 0x3000, 0x4000, 300, SourceLoc{}).empty());  // a domain never used
  EXPECT_EQ(s.Unmap(9, 0x3000, 0x4000, 301, SourceLoc{}).size(), 1u);
  EXPECT_TRUE(s.Overlapping(9, 0, 0x10000).empty());
  EXPECT_EQ(s.Overlapping(10, 0, 0x10000).size(), 1u);
}

}  // namespace
}  // namespace dmakit
