#include "dmakit/core/rng.h"

#include <set>
#include <vector>

#include <gtest/gtest.h>

namespace dmakit {
namespace {

TEST(Rng, SameSeedSameSequence) {
  Rng a(42), b(42), c(43);
  std::vector<uint64_t> va, vb, vc;
  for (int i = 0; i < 100; ++i) {
    va.push_back(a.Next());
    vb.push_back(b.Next());
    vc.push_back(c.Next());
  }
  EXPECT_EQ(va, vb);
  EXPECT_NE(va, vc);
}

TEST(Rng, BelowStaysInBoundsAndCoversIt) {
  Rng r(7);
  std::set<uint64_t> seen;
  for (int i = 0; i < 10000; ++i) {
    uint64_t v = r.Below(10);
    ASSERT_LT(v, 10u);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 10u);
}

TEST(Rng, BelowIsRoughlyUniform) {
  Rng r(9);
  int counts[4] = {};
  const int n = 40000;
  for (int i = 0; i < n; ++i) counts[r.Below(4)]++;
  for (int c : counts) {
    EXPECT_GT(c, n / 4 - 600);
    EXPECT_LT(c, n / 4 + 600);
  }
}

TEST(Rng, BetweenIsInclusive) {
  Rng r(1);
  bool lo = false, hi = false;
  for (int i = 0; i < 1000; ++i) {
    uint64_t v = r.Between(5, 7);
    ASSERT_GE(v, 5u);
    ASSERT_LE(v, 7u);
    lo |= v == 5;
    hi |= v == 7;
  }
  EXPECT_TRUE(lo && hi);
  EXPECT_EQ(r.Between(3, 3), 3u);
}

TEST(Rng, ForkGivesAnIndependentStream) {
  Rng a(5);
  Rng child = a.Fork();
  EXPECT_NE(a.Next(), child.Next());
}

TEST(Rng, MatchesXoshiro256StarStarSeededBySplitMix64) {
  // Values computed with an independent implementation of the published algorithms. A change
  // here changes the behaviour of every recorded seed.
  Rng r(0);
  EXPECT_EQ(r.Next(), 0x99ec5f36cb75f2b4ull);
  EXPECT_EQ(r.Next(), 0xbf6e1f784956452aull);
  EXPECT_EQ(r.Next(), 0x1a5f849d4933e6e0ull);
}

}  // namespace
}  // namespace dmakit
