#include "dmakit/check/range_index.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>
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

// The order queries report hits in (begin descending, newest first on equal begins) names the
// mapping a violation cites, so it must not depend on which ranges are still in the nursery.
RC_GTEST_PROP(RangeIndex, ReportsInBeginDescendingNewestFirstOrder, ()) {
  RangeIndex<int> index;
  struct Live {
    uint64_t begin, end;
    int value;
  };
  std::vector<Live> model;  // insertion order
  const int n = *rc::gen::inRange(0, 40);
  for (int i = 0; i < n; ++i) {
    // Few distinct begins, so equal begins are common.
    const uint64_t b = *rc::gen::inRange<uint64_t>(0, 12) * 50;
    const uint64_t len = *rc::gen::inRange<uint64_t>(1, 120);
    index.Insert(b, b + len, i);
    model.push_back({b, b + len, i});
    if (*rc::gen::inRange(0, 3) == 0) {
      const size_t k = *rc::gen::inRange<size_t>(0, model.size());
      RC_ASSERT(index.Erase(model[k].begin, model[k].value));
      model.erase(model.begin() + static_cast<ptrdiff_t>(k));
    }
  }
  RC_ASSERT(index.size() == model.size());
  const uint64_t qb = *rc::gen::inRange<uint64_t>(0, 700);
  const uint64_t qe = qb + *rc::gen::inRange<uint64_t>(1, 200);
  std::vector<Hit> expected;
  for (size_t i = model.size(); i-- > 0;) {
    if (model[i].begin < qe && model[i].end > qb) {
      expected.emplace_back(model[i].begin, model[i].end, model[i].value);
    }
  }
  std::stable_sort(expected.begin(), expected.end(),
                   [](const Hit& a, const Hit& b) { return std::get<0>(a) > std::get<0>(b); });
  // Stopping after `stop` hits sees exactly the first `stop` of that order.
  const size_t stop = *rc::gen::inRange<size_t>(1, expected.size() + 2);
  std::vector<Hit> got;
  index.ForEachOverlap(qb, qe, [&](uint64_t b, uint64_t e, int v) {
    got.emplace_back(b, e, v);
    return got.size() < stop;
  });
  expected.resize(std::min(expected.size(), stop));
  RC_ASSERT(got == expected);
}

TEST(RangeIndex, ARangePushedOutOfTheNurseryIsStillFoundAndErased) {
  RangeIndex<int> index;
  index.Insert(1000, 1100, -1);  // the oldest: pushed into the tree by the next kNursery
  for (int i = 0; i < static_cast<int>(RangeIndex<int>::kNursery); ++i) {
    index.Insert(static_cast<uint64_t>(i) * 10, static_cast<uint64_t>(i) * 10 + 5, i);
  }
  EXPECT_EQ(index.size(), RangeIndex<int>::kNursery + 1);
  EXPECT_EQ(Query(index, 1050, 1051), (std::vector<Hit>{{1000, 1100, -1}}));
  EXPECT_EQ(Query(index, 0, 12), (std::vector<Hit>{{0, 5, 0}, {10, 15, 1}}));
  EXPECT_TRUE(index.Erase(1000, -1));
  EXPECT_FALSE(index.Erase(1000, -1));
  EXPECT_TRUE(Query(index, 1050, 1051).empty());
  EXPECT_TRUE(index.Erase(0, 0));
  EXPECT_EQ(index.size(), RangeIndex<int>::kNursery - 1);
}

// Model of the index: live ranges in insertion order; the hits a query must report, in the
// index's order (begin descending, newest first on equal begins).
struct Model {
  std::vector<Hit> live;  // insertion order
  std::vector<Hit> Query(uint64_t qb, uint64_t qe) const {
    std::vector<Hit> out;
    for (size_t i = live.size(); i-- > 0;) {
      if (std::get<0>(live[i]) < qe && std::get<1>(live[i]) > qb) out.push_back(live[i]);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Hit& a, const Hit& b) { return std::get<0>(a) > std::get<0>(b); });
    return out;
  }
};

std::vector<Hit> Ordered(const RangeIndex<int>& index, uint64_t begin, uint64_t end) {
  std::vector<Hit> hits;
  index.ForEachOverlap(begin, end, [&](uint64_t b, uint64_t e, int v) {
    hits.emplace_back(b, e, v);
    return true;
  });
  return hits;
}

// Runs `steps` random operations on `index` and `model` alike: inserts of the ranges
// `new_range` makes (nullopt: skip the step), erases of a random live range, and queries of
// the ranges `query` makes, each asserted to report what a linear scan reports, in the same
// order; with `check_stop`, stopping early must also see exactly a prefix of that order.
// Inserts are twice as likely as erases, so the live set grows well past the nursery and
// the trees' backward scans are what most queries exercise.
template <typename NewRange, typename NewQuery>
void RunAgainstModel(RangeIndex<int>& index, int steps, NewRange new_range, NewQuery query,
                     bool check_stop = false) {
  Model model;
  for (int i = 0; i < steps; ++i) {
    const int op = *rc::gen::inRange(0, 4);  // 0, 1: insert; 2: erase; 3: query
    if (op <= 1) {
      const std::optional<std::pair<uint64_t, uint64_t>> r = new_range(model);
      if (!r) continue;
      index.Insert(r->first, r->second, i);
      model.live.emplace_back(r->first, r->second, i);
    } else if (op == 2 && !model.live.empty()) {
      const size_t k = *rc::gen::inRange<size_t>(0, model.live.size());
      RC_ASSERT(index.Erase(std::get<0>(model.live[k]), std::get<2>(model.live[k])));
      model.live.erase(model.live.begin() + static_cast<ptrdiff_t>(k));
    } else {
      const auto [qb, qe] = query();
      const std::vector<Hit> expected = model.Query(qb, qe);
      RC_ASSERT(Ordered(index, qb, qe) == expected);
      if (!check_stop) continue;
      const size_t stop = *rc::gen::inRange<size_t>(1, expected.size() + 2);
      std::vector<Hit> got;
      index.ForEachOverlap(qb, qe, [&](uint64_t b, uint64_t e, int v) {
        got.emplace_back(b, e, v);
        return got.size() < stop;
      });
      RC_ASSERT(got == std::vector<Hit>(expected.begin(),
                                        expected.begin() + static_cast<ptrdiff_t>(
                                                               std::min(expected.size(), stop))));
    }
  }
  RC_ASSERT(index.size() == model.live.size());
}

// Queries interleaved with inserts and erases, many of them at the same few places (a gap a
// query proved empty is reused by later queries until a range enters the tree): every query
// reports what a linear scan reports, in the same order.
RC_GTEST_PROP(RangeIndex, InterleavedQueriesMatchALinearScan, ()) {
  RangeIndex<int> index;
  RunAgainstModel(
      index, *rc::gen::inRange(1, 200),
      [](const Model&) {
        const uint64_t b = *rc::gen::inRange<uint64_t>(0, 40) * 25;
        return std::optional(std::pair(b, b + *rc::gen::inRange<uint64_t>(1, 120)));
      },
      [] {
        const uint64_t qb =
            *rc::gen::inRange<uint64_t>(0, 44) * 25 + *rc::gen::inRange<uint64_t>(0, 3);
        return std::pair(qb, qb + *rc::gen::inRange<uint64_t>(1, 60));
      });
}

// The same with Disjoint(): ranges that never overlap (an IOMMU domain's translations), which
// lets the backward scan stop at the first range ending before the query.
RC_GTEST_PROP(RangeIndex, DisjointQueriesMatchALinearScan, ()) {
  RangeIndex<int> index;
  index.Disjoint();
  RunAgainstModel(
      index, *rc::gen::inRange(1, 200),
      [](const Model& model) -> std::optional<std::pair<uint64_t, uint64_t>> {
        const uint64_t b = *rc::gen::inRange<uint64_t>(0, 60) * 16;
        const uint64_t len = *rc::gen::inRange<uint64_t>(1, 4) * 16;
        if (!model.Query(b, b + len).empty()) return std::nullopt;  // would overlap a live one
        return std::pair(b, b + len);
      },
      [] {
        const uint64_t qb = *rc::gen::inRange<uint64_t>(0, 1000);
        return std::pair(qb, qb + *rc::gen::inRange<uint64_t>(1, 80));
      });
}

// Lengths from 0 to thousands of times the shortest, so ranges land in several length classes
// (each class is searched with its own bound): queries interleaved with inserts and erases
// report what a linear scan reports, in the same order, and stopping early sees a prefix.
RC_GTEST_PROP(RangeIndex, MixedLengthQueriesMatchALinearScan, ()) {
  RangeIndex<int> index;
  RunAgainstModel(
      index, *rc::gen::inRange(1, 300),
      [](const Model&) {
        const uint64_t b = *rc::gen::inRange<uint64_t>(0, 400) * 25;
        // Lengths vary within a class too: a range of a class that starts earlier may end
        // later than one that starts after it.
        const uint64_t base = *rc::gen::element<uint64_t>(0, 1, 3, 8, 40, 130, 700, 4000, 9000);
        const uint64_t len = base + *rc::gen::inRange<uint64_t>(0, base / 2 + 1);
        return std::optional(std::pair(b, b + len));
      },
      [] {
        const uint64_t qb =
            *rc::gen::inRange<uint64_t>(0, 420) * 25 + *rc::gen::inRange<uint64_t>(0, 3);
        return std::pair(qb, qb + *rc::gen::inRange<uint64_t>(1, 300));
      },
      /*check_stop=*/true);
}

TEST(RangeIndex, AGapProvedEmptyIsForgottenWhenARangeEntersTheTree) {
  RangeIndex<int> index;
  for (int i = 0; i < static_cast<int>(RangeIndex<int>::kNursery); ++i) {
    index.Insert(static_cast<uint64_t>(i) * 10, static_cast<uint64_t>(i) * 10 + 5, i);
  }
  EXPECT_TRUE(Query(index, 500, 600).empty());  // the tree is empty: the gap is everything
  // Pushes the range at [0, 5) into the tree, then one inside the queried gap.
  index.Insert(1000, 1001, 100);
  for (int i = 0; i < static_cast<int>(RangeIndex<int>::kNursery); ++i) {
    index.Insert(550 + static_cast<uint64_t>(i), 551 + static_cast<uint64_t>(i), 200 + i);
  }
  // 1000 and the first range at 550 are in the tree now.
  EXPECT_EQ(Query(index, 500, 551), (std::vector<Hit>{{550, 551, 200}}));
  EXPECT_EQ(Query(index, 999, 1001), (std::vector<Hit>{{1000, 1001, 100}}));
}

}  // namespace
}  // namespace dmakit
