#include "dmakit/check/rule.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace dmakit
