#include "dmakit/check/iommu_state.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <vector>

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

// Two open windows starting at one IOVA: the newer unmap is the one a stale access names,
// whether the newer window is the last one opened or has been filed behind a later one.
TEST(IommuState, StaleAtNamesTheNewerOfTwoWindowsStartingTogether) {
  IommuState s;
  ASSERT_TRUE(s.MapIfFree(1, T(0x0, 0x4000, 0x8000'0000, 1)).empty());
  ASSERT_EQ(s.Unmap(1, 0x1000, 0x2000, 2, SourceLoc{}).size(), 1u);  // keeps head and tail
  ASSERT_EQ(s.Unmap(1, 0x1000, 0x3000, 3, SourceLoc{}).size(), 1u);  // takes the tail's start
  ASSERT_TRUE(s.StaleAt(1, 0x1800).has_value());
  EXPECT_EQ(s.StaleAt(1, 0x1800)->seq, 3u);
  EXPECT_EQ(s.StaleAt(1, 0x2800)->seq, 3u);
  ASSERT_EQ(s.Unmap(1, 0x0, 0x1000, 4, SourceLoc{}).size(), 1u);  // a third, elsewhere
  EXPECT_EQ(s.StaleAt(1, 0x1800)->seq, 3u);
  EXPECT_EQ(s.StaleAt(1, 0x0800)->seq, 4u);
}

// An invalidate of every domain closes the newest window too, in a domain that has no other.
TEST(IommuState, InvalidateOfEveryDomainClosesTheNewestWindow) {
  IommuState s;
  ASSERT_TRUE(s.MapIfFree(5, T(0x1000, 0x2000, 0x8000'0000, 1)).empty());
  ASSERT_EQ(s.Unmap(5, 0x1000, 0x2000, 2, SourceLoc{}).size(), 1u);
  ASSERT_TRUE(s.StaleAt(5, 0x1800).has_value());
  EXPECT_FALSE(s.StaleAt(6, 0x1800).has_value());
  s.Invalidate(0, 0, 0);
  EXPECT_FALSE(s.StaleAt(5, 0x1800).has_value());
}

// A linear model of IommuState: live translations per domain and the open windows in the order
// their unmaps opened them.
struct StateModel {
  struct Live {
    uint64_t domain, iova, end, phys, seq;
  };
  struct Window {
    uint64_t domain, iova, end, seq;
  };
  std::vector<Live> live;
  std::vector<Window> windows;  // oldest first

  static bool Overlap(uint64_t a, uint64_t b, uint64_t c, uint64_t d) { return a < d && c < b; }
  std::vector<Live> LiveIn(uint64_t domain, uint64_t iova, uint64_t end) const {
    std::vector<Live> out;
    for (const Live& l : live) {
      if (l.domain == domain && Overlap(l.iova, l.end, iova, end)) out.push_back(l);
    }
    std::sort(out.begin(), out.end(), [](const Live& a, const Live& b) { return a.iova < b.iova; });
    return out;
  }
  void Close(uint64_t domain, uint64_t iova, uint64_t end) {  // domain 0: every domain
    std::erase_if(windows, [&](const Window& w) {
      return (domain == 0 || w.domain == domain) && Overlap(w.iova, w.end, iova, end);
    });
  }
  // The window StaleAt must name: the one starting last, the newest among equals.
  const Window* StaleAt(uint64_t domain, uint64_t iova) const {
    const Window* best = nullptr;
    for (const Window& w : windows) {
      if (w.domain != domain || iova < w.iova || iova >= w.end) continue;
      if (best == nullptr || w.iova >= best->iova) best = &w;
    }
    return best;
  }
};

// Random maps, unmaps (whole, partial, of nothing), invalidates (by range, whole domain, every
// domain) and stale lookups on three domains, checked step by step against the model. Strict
// flushing (an invalidate right after each unmap) and lazy flushing (several unmaps, then one
// invalidate) both occur.
RC_GTEST_PROP(IommuState, MatchesALinearModel, ()) {
  IommuState s;
  StateModel m;
  const int steps = *rc::gen::inRange(1, 120);
  for (int i = 0; i < steps; ++i) {
    const uint64_t seq = static_cast<uint64_t>(i) + 1;
    const uint64_t domain = *rc::gen::inRange<uint64_t>(1, 4);
    const uint64_t iova = *rc::gen::inRange<uint64_t>(0, 12) * 0x1000;
    const uint64_t end = iova + *rc::gen::inRange<uint64_t>(1, 5) * 0x1000;
    switch (*rc::gen::inRange(0, 5)) {
      case 0:
      case 1: {
        const uint64_t phys = 0x8000'0000 + seq * 0x10'0000;
        IommuState::Translations hit = s.MapIfFree(domain, T(iova, end, phys, seq));
        const auto expected = m.LiveIn(domain, iova, end);
        RC_ASSERT(hit.size() == expected.size());
        if (expected.empty()) {
          m.Close(domain, iova, end);
          m.live.push_back({domain, iova, end, phys, seq});
        }
        break;
      }
      case 2: {
        const auto removed = m.LiveIn(domain, iova, end);
        const IommuState::Translations& got = s.Unmap(domain, iova, end, seq, SourceLoc{});
        RC_ASSERT(got.size() == removed.size());
        if (removed.empty()) break;
        std::erase_if(m.live, [&](const StateModel::Live& l) {
          return l.domain == domain && StateModel::Overlap(l.iova, l.end, iova, end);
        });
        for (const StateModel::Live& l : removed) {
          if (l.iova < iova) m.live.push_back({domain, l.iova, iova, l.phys, l.seq});
          if (l.end > end) m.live.push_back({domain, end, l.end, l.phys + (end - l.iova), l.seq});
        }
        m.windows.push_back({domain, iova, end, seq});
        break;
      }
      case 3: {
        const int kind = *rc::gen::inRange(0, 3);  // a range, the whole domain, every domain
        const uint64_t d = kind == 2 ? 0 : domain;
        if (kind == 0) {
          s.Invalidate(d, iova, end - iova);
          m.Close(d, iova, end);
        } else {
          s.Invalidate(d, 0, 0);
          m.Close(d, 0, UINT64_MAX);
        }
        break;
      }
      case 4:
        break;  // only the checks below
    }
    const uint64_t at = *rc::gen::inRange<uint64_t>(0, 18) * 0x1000 + 0x800;
    const StateModel::Window* want = m.StaleAt(domain, at);
    const auto got = s.StaleAt(domain, at);
    RC_ASSERT(got.has_value() == (want != nullptr));
    if (want != nullptr) {
      RC_ASSERT(got->seq == want->seq);
      RC_ASSERT(got->iova == want->iova);
      RC_ASSERT(got->end == want->end);
    }
    const IommuState::Translations live = s.Overlapping(domain, 0, 64 * 0x1000);
    const auto want_live = m.LiveIn(domain, 0, 64 * 0x1000);
    RC_ASSERT(live.size() == want_live.size());
    for (size_t k = 0; k < live.size(); ++k) {
      RC_ASSERT(live[k].iova == want_live[k].iova);
      RC_ASSERT(live[k].end == want_live[k].end);
      RC_ASSERT(live[k].phys == want_live[k].phys);
    }
  }
}

}  // namespace
}  // namespace dmakit
