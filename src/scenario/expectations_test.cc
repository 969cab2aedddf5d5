// Judging a finished run against `expect:`: one ExpectationResult per expectation, met or with
// what was seen instead, citing the expectation's place in the file.
#include "expectations.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace dmakit::scenario {
namespace {

using Reads = std::map<std::string, std::vector<uint8_t>, std::less<>>;

SourceLoc At(uint32_t line) { return SourceLoc::Interned("e.yaml", line, 3); }

Scenario WithViolations(std::vector<std::string> exact) {
  Scenario s;
  s.expect.violations = std::move(exact);
  s.expect.violations_where = At(10);
  s.expect.corruption.mode = CountExpectation::kNone;  // the table's default
  s.expect.corruption.where = At(11);
  return s;
}

RunRecord Saw(std::map<RuleId, uint64_t> counts, size_t corruptions = 0) {
  RunRecord rec;
  rec.rule_counts = std::move(counts);
  rec.corruptions.resize(corruptions);
  return rec;
}

TEST(Expectations, NoViolationsMet) {
  RunRecord rec = Saw({});
  JudgeExpectations(WithViolations({}), {}, 0, rec);
  ASSERT_EQ(rec.expectations.size(), 2u);  // violations, corruption (faults: any is silent)
  EXPECT_EQ(rec.expectations[0].what, "no violations");
  EXPECT_TRUE(rec.expectations[0].met);
  EXPECT_EQ(rec.expectations[0].where, At(10));
  EXPECT_EQ(rec.expectations[1].what, "no corruption");
  EXPECT_TRUE(rec.expectations[1].met);
  EXPECT_EQ(rec.expectations[1].where, At(11));
  EXPECT_TRUE(rec.passed());
}

TEST(Expectations, ExactViolationsAreAMultisetInAnyOrder) {
  RunRecord rec = Saw({{RuleId::kCpuAccessDeviceOwned, 2}, {RuleId::kDeviceAccessNotOwned, 1}});
  JudgeExpectations(WithViolations({"DMA102", "DMA101", "DMA101"}), {}, 0, rec);
  EXPECT_EQ(rec.expectations[0].what, "violations exactly [DMA101, DMA101, DMA102]");
  EXPECT_TRUE(rec.expectations[0].met);
}

TEST(Expectations, ExactViolationsCountTheRepeats) {
  RunRecord rec = Saw({{RuleId::kCpuAccessDeviceOwned, 2}});
  JudgeExpectations(WithViolations({"DMA101"}), {}, 0, rec);
  EXPECT_FALSE(rec.expectations[0].met);
  EXPECT_EQ(rec.expectations[0].detail, "saw [DMA101, DMA101]");
  EXPECT_FALSE(rec.passed());
}

TEST(Expectations, UnexpectedViolationFailsTheDefault) {
  RunRecord rec = Saw({{RuleId::kDeviceAccessNotOwned, 1}});
  JudgeExpectations(WithViolations({}), {}, 0, rec);
  EXPECT_EQ(rec.expectations[0].what, "no violations");
  EXPECT_FALSE(rec.expectations[0].met);
  EXPECT_EQ(rec.expectations[0].detail, "saw [DMA102]");
}

TEST(Expectations, IncludeAllowsOthers) {
  Scenario s;
  s.expect.violations_include = {"DMA101"};
  s.expect.include_where = At(12);
  RunRecord rec = Saw({{RuleId::kCpuAccessDeviceOwned, 1}, {RuleId::kDeviceAccessNotOwned, 3}});
  JudgeExpectations(s, {}, 0, rec);
  ASSERT_EQ(rec.expectations.size(), 2u);
  EXPECT_EQ(rec.expectations[0].what, "violations include [DMA101]");
  EXPECT_TRUE(rec.expectations[0].met);
  EXPECT_EQ(rec.expectations[0].where, At(12));
}

TEST(Expectations, IncludeCountsTheRepeats) {
  Scenario s;
  s.expect.violations_include = {"DMA101", "DMA101"};
  RunRecord rec = Saw({{RuleId::kCpuAccessDeviceOwned, 1}});
  JudgeExpectations(s, {}, 0, rec);
  EXPECT_FALSE(rec.expectations[0].met);
  EXPECT_EQ(rec.expectations[0].detail, "saw [DMA101]");
}

TEST(Expectations, CorruptionCounts) {
  struct Case {
    CountExpectation mode;
    uint64_t count;
    size_t seen;
    bool met;
    const char* what;
  };
  for (const Case& c : {Case{CountExpectation::kNone, 0, 1, false, "no corruption"},
                        Case{CountExpectation::kSome, 0, 0, false, "some corruption"},
                        Case{CountExpectation::kSome, 0, 3, true, "some corruption"},
                        Case{CountExpectation::kExactly, 2, 2, true, "2 corruption"},
                        Case{CountExpectation::kExactly, 2, 3, false, "2 corruption"},
                        Case{CountExpectation::kAny, 0, 5, true, "any corruption"}}) {
    Scenario s = WithViolations({});
    s.expect.corruption.mode = c.mode;
    s.expect.corruption.count = c.count;
    RunRecord rec = Saw({}, c.seen);
    JudgeExpectations(s, {}, 0, rec);
    ASSERT_EQ(rec.expectations.size(), 2u);
    EXPECT_EQ(rec.expectations[1].what, c.what);
    EXPECT_EQ(rec.expectations[1].met, c.met) << c.what << " seen " << c.seen;
    EXPECT_EQ(rec.expectations[1].detail, c.met ? "" : "saw " + std::to_string(c.seen));
  }
}

TEST(Expectations, FaultsAreJudgedUnlessAny) {
  Scenario s = WithViolations({});
  s.expect.faults.mode = CountExpectation::kNone;
  s.expect.faults.where = At(13);
  RunRecord rec = Saw({});
  JudgeExpectations(s, {}, 2, rec);
  ASSERT_EQ(rec.expectations.size(), 3u);
  EXPECT_EQ(rec.expectations[2].what, "no IOMMU faults");
  EXPECT_FALSE(rec.expectations[2].met);
  EXPECT_EQ(rec.expectations[2].detail, "saw 2");
  EXPECT_EQ(rec.expectations[2].where, At(13));
}

TEST(Expectations, ReadPattern) {
  Scenario s = WithViolations({});
  s.expect.reads.push_back(ReadExpect{"frame", {}, 0x5a, At(20)});
  RunRecord ok = Saw({});
  JudgeExpectations(s, Reads{{"frame", {0x5a, 0x5a, 0x5a}}}, 0, ok);
  EXPECT_EQ(ok.expectations.back().what, "read 'frame' is all 0x5a");
  EXPECT_TRUE(ok.expectations.back().met);
  RunRecord bad = Saw({});
  JudgeExpectations(s, Reads{{"frame", {0x5a, 0x00, 0x5a}}}, 0, bad);
  EXPECT_FALSE(bad.expectations.back().met);
  EXPECT_EQ(bad.expectations.back().detail, "read 5a005a");
  EXPECT_EQ(bad.expectations.back().where, At(20));
}

TEST(Expectations, ReadBytesAreAPrefix) {
  Scenario s = WithViolations({});
  s.expect.reads.push_back(ReadExpect{"head", {0xde, 0xad}, std::nullopt, At(21)});
  RunRecord ok = Saw({});
  JudgeExpectations(s, Reads{{"head", {0xde, 0xad, 0xbe, 0xef}}}, 0, ok);
  EXPECT_EQ(ok.expectations.back().what, "read 'head' starts with dead");
  EXPECT_TRUE(ok.expectations.back().met);
  RunRecord shorter = Saw({});
  JudgeExpectations(s, Reads{{"head", {0xde}}}, 0, shorter);
  EXPECT_FALSE(shorter.expectations.back().met);
  EXPECT_EQ(shorter.expectations.back().detail, "read de");
}

TEST(Expectations, LongReadsAreShortenedInTheDetail) {
  Scenario s = WithViolations({});
  s.expect.reads.push_back(ReadExpect{"big", {}, 0xff, At(22)});
  RunRecord rec = Saw({});
  JudgeExpectations(s, Reads{{"big", std::vector<uint8_t>(64, 0)}}, 0, rec);
  EXPECT_EQ(rec.expectations.back().detail, "read 00000000000000000000000000000000...");
}

TEST(Expectations, ReadThatNeverCompletedFails) {
  Scenario s = WithViolations({});
  s.expect.reads.push_back(ReadExpect{"frame", {}, 0x00, At(20)});
  RunRecord rec = Saw({});
  JudgeExpectations(s, {}, 0, rec);
  EXPECT_FALSE(rec.expectations.back().met);
  EXPECT_EQ(rec.expectations.back().detail, "the cpu_read step did not complete");
}

}  // namespace
}  // namespace dmakit::scenario
