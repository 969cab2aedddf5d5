#include "dmakit/check/range_index.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace dmakit {
namespace {

using Hit = std::tuple<uint64_t, uint64_t, int>;

std::vector<Hit> Query(const RangeIndex<int>& index, uint64_t begin, uint64_t end) {
  std::vector<Hit> hits;
  index.ForEachOverlap(begin, end, [&](uint64_t b, uint64_t e, int v) {
    hits.emplace_back(b, e, v);
    return true;
  });
  std::sort(hits.begin(), hits.end());
  return hits;
}

TEST(RangeIndex, FindsOverlapsAndNotNeighbours) {
  RangeIndex<int> index;
  index.Insert(100, 200, 1);
  index.Insert(200, 300, 2);
  index.Insert(150, 160, 3);
  EXPECT_EQ(Query(index, 199, 201), (std::vector<Hit>{{100, 200, 1}, {200, 300, 2}}));
  EXPECT_EQ(Query(index, 160, 200), (std::vector<Hit>{{100, 200, 1}}));
  EXPECT_TRUE(Query(index, 300, 400).empty());
  EXPECT_TRUE(Query(index, 0, 100).empty());
}

TEST(RangeIndex, EraseRemovesOnlyTheNamedRange) {
  RangeIndex<int> index;
  index.Insert(100, 200, 1);
  index.Insert(100, 150, 2);
  EXPECT_TRUE(index.Erase(100, 2));
  EXPECT_FALSE(index.Erase(100, 2));
  EXPECT_EQ(Query(index, 120, 121), (std::vector<Hit>{{100, 200, 1}}));
}

RC_GTEST_PROP(RangeIndex, MatchesALinearScan, ()) {
  RangeIndex<int> index;
  std::vector<Hit> model;
  const int n = *rc::gen::inRange(0, 60);
  for (int i = 0; i < n; ++i) {
    uint64_t b = *rc::gen::inRange<uint64_t>(0, 1000);
    uint64_t len = *rc::gen::inRange<uint64_t>(1, 200);
    index.Insert(b, b + len, i);
    model.emplace_back(b, b + len, i);
    if (*rc::gen::inRange(0, 4) == 0 && !model.empty()) {
      size_t k = *rc::gen::inRange<size_t>(0, model.size());
      RC_ASSERT(index.Erase(std::get<0>(model[k]), std::get<2>(model[k])));
      model.erase(model.begin() + static_cast<ptrdiff_t>(k));
    }
  }
  uint64_t qb = *rc::gen::inRange<uint64_t>(0, 1300);
  uint64_t qe = qb + *rc::gen::inRange<uint64_t>(1, 300);
  std::vector<Hit> expected;
  for (const Hit& h : model) {
    if (std::get<0>(h) < qe && std::get<1>(h) > qb) expected.push_back(h);
  }
  std::sort(expected.begin(), expected.end());
  RC_ASSERT(Query(index, qb, qe) == expected);
}

}  // namespace
}  // namespace dmakit
