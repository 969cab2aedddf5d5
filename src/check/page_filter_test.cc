#include "dmakit/check/page_filter.h"

#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace dmakit {
namespace {

constexpr uint64_t kPage = 4096;

TEST(PageFilter, EmptyFilterTouchesNothing) {
  PageFilter f;
  EXPECT_FALSE(f.MayTouch(0, kPage));
  EXPECT_FALSE(f.MayTouch(5 * kPage, 5 * kPage));
}

TEST(PageFilter, AddedPageIsTouchedItsNeighboursAreNot) {
  PageFilter f;
  f.Add(10 * kPage + 100, 10 * kPage + 2148);
  EXPECT_TRUE(f.MayTouch(10 * kPage, 11 * kPage));
  EXPECT_TRUE(f.MayTouch(10 * kPage + 4000, 10 * kPage + 4001));
  EXPECT_FALSE(f.MayTouch(9 * kPage, 10 * kPage));
  EXPECT_FALSE(f.MayTouch(11 * kPage, 12 * kPage));
  EXPECT_TRUE(f.MayTouch(0, 100 * kPage));
}

TEST(PageFilter, RangeAcrossWordsMarksEveryPage) {
  PageFilter f;
  f.Add(60 * kPage, 70 * kPage);  // pages 60..69: two 64-page words
  for (uint64_t p = 60; p < 70; ++p) EXPECT_TRUE(f.MayTouch(p * kPage, p * kPage + 1)) << p;
  EXPECT_FALSE(f.MayTouch(59 * kPage, 60 * kPage));
  EXPECT_FALSE(f.MayTouch(70 * kPage, 71 * kPage));
}

TEST(PageFilter, EmptyRangeIsNotRecorded) {
  PageFilter f;
  f.Add(3 * kPage, 3 * kPage);
  EXPECT_FALSE(f.MayTouch(3 * kPage, 4 * kPage));
}

TEST(PageFilter, HugeRangeMakesEveryAnswerMaybe) {
  PageFilter f;
  f.Add(0, uint64_t{1} << 62);
  EXPECT_TRUE(f.MayTouch(uint64_t{1} << 63, (uint64_t{1} << 63) + kPage));
  PageFilter g;
  EXPECT_TRUE(g.MayTouch(0, uint64_t{1} << 62));  // too long to look at: maybe
}

// MayTouch remembers the word it last looked up; adds after a query must show in the next one.
TEST(PageFilter, PageAddedAfterAQueryOfItsWordIsTouched) {
  PageFilter f;
  EXPECT_FALSE(f.MayTouch(5 * kPage, 6 * kPage));  // the word has no entry yet
  f.Add(6 * kPage, 7 * kPage);
  EXPECT_TRUE(f.MayTouch(6 * kPage, 7 * kPage));
  EXPECT_FALSE(f.MayTouch(5 * kPage, 6 * kPage));  // the word now has one
  f.Add(5 * kPage, 6 * kPage);
  EXPECT_TRUE(f.MayTouch(5 * kPage, 6 * kPage));
  for (uint64_t w = 1; w < 200; ++w) f.Add(w * 64 * kPage, w * 64 * kPage + 1);  // rehashes
  EXPECT_TRUE(f.MayTouch(5 * kPage, 6 * kPage));
  EXPECT_FALSE(f.MayTouch(7 * kPage, 8 * kPage));
}

RC_GTEST_PROP(PageFilter, NeverSaysNoToAnOverlappingRange, ()) {
  // Small page numbers so that ranges meet; page offsets anywhere. Adds and queries are
  // interleaved: a query's answer must reflect every add before it.
  auto range = [] {
    const uint64_t b = *rc::gen::inRange<uint64_t>(0, 300 * kPage);
    const uint64_t len = *rc::gen::inRange<uint64_t>(0, 80 * kPage);
    return std::pair{b, b + len};
  };
  PageFilter f;
  std::vector<std::pair<uint64_t, uint64_t>> added;
  const int ops = *rc::gen::inRange(0, 60);
  for (int op = 0; op < ops; ++op) {
    if (*rc::gen::inRange(0, 3) == 0) {
      added.push_back(range());
      f.Add(added.back().first, added.back().second);
      continue;
    }
    const auto [b, e] = range();
    bool overlaps = false;
    for (const auto& [ab, ae] : added) overlaps |= ab < ae && ab < e && b < ae;
    // Page-exact: no added range shares a page with the query -> "no".
    bool shares_page = false;
    for (const auto& [ab, ae] : added) {
      shares_page |=
          ab < ae && b < e && ab / kPage <= (e - 1) / kPage && b / kPage <= (ae - 1) / kPage;
    }
    if (overlaps) RC_ASSERT(f.MayTouch(b, e));
    RC_ASSERT(f.MayTouch(b, e) == shares_page);
  }
}

}  // namespace
}  // namespace dmakit
