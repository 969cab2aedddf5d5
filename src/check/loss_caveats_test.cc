#include "dmakit/check/loss_caveats.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <vector>

namespace dmakit {
namespace {

Violation At(RuleId rule, uint64_t seq, uint64_t mapping_seq = 0) {
  Violation v;
  v.rule = rule;
  v.seq = seq;
  v.mapping_seq = mapping_seq;
  return v;
}

EventLoss Gap(uint64_t since, uint64_t after, uint64_t count = 10, uint32_t line = 0) {
  return EventLoss{.since_seq = since, .after_seq = after, .count = count, .line = line};
}

bool Marked(const std::vector<EventLoss>& losses, Violation v) {
  std::vector<Violation> one{std::move(v)};
  const size_t n = AddLossCaveats(losses, one);
  EXPECT_EQ(n, one[0].caveat.empty() ? 0u : 1u);
  return !one[0].caveat.empty();
}

TEST(LossCaveats, NoGapsMarkNothing) {
  std::vector<Violation> v{At(RuleId::kFreeUnknown, 5), At(RuleId::kLeakAtEnd, 0, 2)};
  EXPECT_EQ(AddLossCaveats({}, v), 0u);
  EXPECT_TRUE(v[0].caveat.empty());
  EXPECT_TRUE(v[1].caveat.empty());
}

TEST(LossCaveats, UnknownFreeAfterAGapIsInDoubtBeforeItIsNot) {
  EXPECT_TRUE(Marked({Gap(5, 5)}, At(RuleId::kFreeUnknown, 10)));
  EXPECT_FALSE(Marked({Gap(12, 12)}, At(RuleId::kFreeUnknown, 10)));
  // A gap before every event (an overwritten buffer) puts every unknown free in doubt.
  EXPECT_TRUE(Marked({Gap(0, 0)}, At(RuleId::kSyncNotMapped, 1)));
}

TEST(LossCaveats, LeakIsInDoubtOnlyWhenAGapFollowsItsMap) {
  EXPECT_TRUE(Marked({Gap(30, 30)}, At(RuleId::kLeakAtEnd, 0, 20)));
  EXPECT_FALSE(Marked({Gap(10, 10)}, At(RuleId::kLeakAtEnd, 0, 20)));
  // A gap right after the map itself could hold its unmap.
  EXPECT_TRUE(Marked({Gap(20, 20)}, At(RuleId::kLeakAtEnd, 0, 20)));
}

TEST(LossCaveats, OverlapIsInDoubtWhenTheOlderMappingsUnmapMayBeLost) {
  EXPECT_FALSE(Marked({Gap(30, 30)}, At(RuleId::kOverlappingMapping, 50, 40)));
  EXPECT_TRUE(Marked({Gap(45, 45)}, At(RuleId::kOverlappingMapping, 50, 40)));
  // A gap reported after the call cannot explain it.
  EXPECT_FALSE(Marked({Gap(50, 50)}, At(RuleId::kOverlappingMapping, 50, 40)));
}

TEST(LossCaveats, AnotherCpusGapMayLieBeforeEventsPrintedAfterIt) {
  // CPU 1's events #3 and #10; its gap is printed before #10, but the lost events may be as
  // old as just after #3.
  EXPECT_TRUE(Marked({Gap(3, 9)}, At(RuleId::kFreeUnknown, 5)));
  EXPECT_FALSE(Marked({Gap(3, 9)}, At(RuleId::kFreeUnknown, 3)));
  EXPECT_TRUE(Marked({Gap(3, 9)}, At(RuleId::kUnmapSizeMismatch, 12, 9)));
  EXPECT_FALSE(Marked({Gap(3, 9)}, At(RuleId::kUnmapSizeMismatch, 12, 10)));
}

TEST(LossCaveats, RulesDecidedByTheCallAloneAreNeverInDoubt) {
  for (RuleId rule :
       {RuleId::kMapOutsideRam, RuleId::kSgSegmentTooLong, RuleId::kSgSegmentCrossesBoundary}) {
    EXPECT_FALSE(RuleNeedsHistory(rule));
    EXPECT_FALSE(Marked({Gap(0, 0)}, At(rule, 5)));
  }
  EXPECT_TRUE(RuleNeedsHistory(RuleId::kStaleIotlbAccess));
  EXPECT_TRUE(RuleNeedsHistory(RuleId::kIommuUnmapNothing));
}

TEST(LossCaveats, CaveatNamesTheGapItsSizeAndItsLine) {
  std::vector<Violation> v{At(RuleId::kFreeUnknown, 10), At(RuleId::kLeakAtEnd, 0, 4),
                           At(RuleId::kFreeUnknown, 20)};
  EXPECT_EQ(AddLossCaveats({{Gap(6, 6, 120, 57)}}, v), 3u);
  EXPECT_EQ(v[0].caveat,
            "in doubt: the kernel lost 120 events after event #6 (trace line 57); a call this "
            "verdict needs may be among them");
  EXPECT_EQ(v[1].caveat,
            "in doubt: the kernel lost 120 events after event #6 (trace line 57); the mapping "
            "(event #4) may have been unmapped or remapped among them");
  std::vector<Violation> w{At(RuleId::kFreeUnknown, 10)};
  AddLossCaveats({{Gap(2, 7, 0, 9)}}, w);
  EXPECT_EQ(w[0].caveat,
            "in doubt: the kernel lost an unknown number of events somewhere after event #2 and "
            "before event #8 (trace line 9); a call this verdict needs may be among them");
  std::vector<Violation> x{At(RuleId::kFreeUnknown, 10)};
  AddLossCaveats({{Gap(0, 0, 248, 3)}}, x);
  EXPECT_EQ(x[0].caveat,
            "in doubt: the kernel lost 248 events before the first one (trace line 3); a call "
            "this verdict needs may be among them");
  EXPECT_NE(w[0].ToString().find("\n  caveat: in doubt: the kernel lost"), std::string::npos);
}

// Against the definition, gap by gap: in doubt when some gap starts before the call and ends
// at or after the mapping.
RC_GTEST_PROP(LossCaveats, MarksExactlyTheViolationsSomeGapCouldExplain, ()) {
  const auto n_gaps = *rc::gen::inRange<size_t>(0, 12);
  std::vector<EventLoss> losses;
  for (size_t i = 0; i < n_gaps; ++i) {
    const auto since = *rc::gen::inRange<uint64_t>(0, 60);
    const auto width = *rc::gen::inRange<uint64_t>(0, 20);
    losses.push_back(Gap(since, since + width));
  }
  std::sort(losses.begin(), losses.end(),
            [](const EventLoss& a, const EventLoss& b) { return a.after_seq < b.after_seq; });
  std::vector<Violation> violations;
  const auto n_violations = *rc::gen::inRange<size_t>(0, 20);
  for (size_t i = 0; i < n_violations; ++i) {
    const auto seq = *rc::gen::inRange<uint64_t>(0, 90);
    const auto mapping = *rc::gen::inRange<uint64_t>(0, 90);
    violations.push_back(At(RuleId::kUnmapSizeMismatch, seq, mapping));
  }
  const size_t marked = AddLossCaveats(losses, violations);
  size_t expected_marked = 0;
  for (const Violation& v : violations) {
    bool doubt = false;
    for (const EventLoss& g : losses) {
      doubt |= (v.seq == 0 || g.since_seq < v.seq) && g.after_seq >= v.mapping_seq;
    }
    expected_marked += doubt;
    RC_ASSERT(doubt == !v.caveat.empty());
  }
  RC_ASSERT(marked == expected_marked);
}

}  // namespace
}  // namespace dmakit
