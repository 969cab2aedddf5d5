#include "dmakit/check/rule.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "check_test_util.h"

namespace dmakit {
namespace {

TEST(Rule, IdsAndNamesAreUniqueAndDescribed) {
  std::set<std::string_view> ids, names;
  for (int i = 0; i < kRuleCount; ++i) {
    const RuleInfo& info = Info(static_cast<RuleId>(i));
    EXPECT_EQ(info.rule, static_cast<RuleId>(i)) << info.id;
    EXPECT_TRUE(ids.insert(info.id).second) << info.id;
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_FALSE(info.summary.empty()) << info.id;
    EXPECT_GT(info.explain.size(), info.summary.size()) << info.id;
  }
}

TEST(Rule, StableIds) {
  EXPECT_EQ(RuleCode(RuleId::kMapOutsideRam), "DMA001");
  EXPECT_EQ(RuleCode(RuleId::kSyncNotMapped), "DMA012");
  EXPECT_EQ(RuleCode(RuleId::kLeakAtEnd), "DMA019");
  EXPECT_EQ(RuleCode(RuleId::kCpuAccessDeviceOwned), "DMA101");
  EXPECT_EQ(RuleCode(RuleId::kPageFreedWhileMapped), "DMA112");
}

TEST(Rule, ParsesIdOrName) {
  EXPECT_EQ(ParseRule("DMA012"), RuleId::kSyncNotMapped);
  EXPECT_EQ(ParseRule("dma012"), RuleId::kSyncNotMapped);
  EXPECT_EQ(ParseRule("sync-not-mapped"), RuleId::kSyncNotMapped);
  EXPECT_EQ(ParseRule("DMA999"), std::nullopt);
  EXPECT_EQ(ParseRule(""), std::nullopt);
}

// The rules named for kDmaMappingError are exactly those an input without it turns into false
// positives: a map never checked and then unmapped raises them, suppressing them leaves
// nothing, and with the check recorded nothing fires either.
TEST(Rule, RulesNeedingMappingErrorFireOnItsAbsence) {
  const auto needing = RulesNeedingEvent(EventKind::kDmaMappingError);
  ASSERT_FALSE(needing.empty());
  auto map_unmap = [](Checker& checker, bool check_error) {
    testing::FakeDriver eth(checker);
    if (check_error) {
      eth.Map(0x1000, 0x1000, 64, testing::kTo);
    } else {
      eth.MapUnchecked(0x1000, 0x1000, 64, testing::kTo);
    }
    eth.Unmap(0x1000, 64, testing::kTo);
  };
  Checker unchecked;
  map_unmap(unchecked, false);
  for (RuleId rule : needing) EXPECT_EQ(unchecked.count(rule), 1u) << RuleCode(rule);
  EXPECT_EQ(unchecked.total(), needing.size());

  Checker suppressed;
  for (RuleId rule : needing) suppressed.Suppress(rule);
  map_unmap(suppressed, false);
  EXPECT_EQ(suppressed.total(), 0u);

  Checker checked;
  map_unmap(checked, true);
  EXPECT_EQ(checked.total(), 0u);
}

TEST(Rule, NoRuleNeedsAnEventOfOtherKinds) {
  EXPECT_TRUE(RulesNeedingEvent(EventKind::kDmaMap).empty());
  EXPECT_TRUE(RulesNeedingEvent(EventKind::kCpuAccess).empty());
}

}  // namespace
}  // namespace dmakit
