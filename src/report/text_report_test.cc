#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "dmakit/report/report.h"
#include "report_test_util.h"

namespace dmakit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Text(const std::vector<RunRecord>& runs, TextReportOptions o = {}) {
  std::ostringstream out;
  WriteTextReport(runs, out, o);
  return out.str();
}

TEST(TextReport, SummaryCountsRunsPassedFailedRulesAndCorruptions) {
  const std::string t = Text({testing::FailingRun(), testing::PassingRun()});
  EXPECT_THAT(t, HasSubstr("2 runs, 1 passed, 1 failed"));
  EXPECT_THAT(t, HasSubstr("1 violation\n"));
  EXPECT_THAT(t, HasSubstr("DMA101 cpu-access-device-owned"));
  EXPECT_THAT(t, HasSubstr("1 corruption\n"));
  // The summary comes before the first run.
  EXPECT_LT(t.find("1 corruption\n"), t.find("FAIL rx-missing-sync"));
  EXPECT_THAT(t, HasSubstr("PASS rx-correct"));
}

TEST(TextReport, NotesAreShownAndDoNotFailTheRun) {
  RunRecord r = testing::PassingRun();
  EXPECT_THAT(Text({r}), Not(HasSubstr("note:")));
  r.notes = {"DMA011 not checked: ftrace has no dma_mapping_error event"};
  const std::string t = Text({r});
  EXPECT_THAT(t, HasSubstr("note: DMA011 not checked: ftrace has no dma_mapping_error event\n"));
  EXPECT_THAT(t, HasSubstr("PASS rx-correct"));
}

TEST(TextReport, ViolationShowsMessageDeviceAndBothCallSites) {
  const std::string t = Text({testing::FailingRun()});
  EXPECT_THAT(t, HasSubstr("CPU read of device-owned memory [phys=0x80001040] [size=64 bytes]"));
  EXPECT_THAT(t, HasSubstr("device:  eth0"));
  EXPECT_THAT(t, HasSubstr("call:    drv.c:14"));
  EXPECT_THAT(t, HasSubstr("mapping: drv.c:10 (#2)"));
}

TEST(TextReport, FailedExpectationShowsWhatWasSeen) {
  const std::string t = Text({testing::FailingRun()});
  EXPECT_THAT(t, HasSubstr("FAIL expected no corruption"));
  EXPECT_THAT(t, HasSubstr("saw: 1 corruption at 0x80001000"));
  EXPECT_THAT(t, Not(HasSubstr("expected violation DMA101")));  // met: verbose only
}

TEST(TextReport, CorruptionShowsExpectedObservedBytesAndLastWriter) {
  const std::string t = Text({testing::FailingRun()});
  EXPECT_THAT(t, HasSubstr("corruption #6 at 0x80001000 (4 bytes), read by cpu"));
  EXPECT_THAT(t, HasSubstr("expected: aa bb cc dd"));
  EXPECT_THAT(t, HasSubstr("observed: 00 11 22 33"));
  EXPECT_THAT(t, HasSubstr("last writer: eth0 (#4)"));
}

TEST(TextReport, AnsiColourOnlyWhenAsked) {
  EXPECT_THAT(Text({testing::FailingRun()}), Not(HasSubstr("\x1b[")));
  TextReportOptions o;
  o.color = true;
  const std::string t = Text({testing::FailingRun()}, o);
  EXPECT_THAT(t, HasSubstr("\x1b[1;31mFAIL\x1b[0m"));
  EXPECT_THAT(t, HasSubstr("\x1b[1;31mDMA101\x1b[0m"));
}

TEST(TextReport, CapsViolationsPerRunAndCountsTheRest) {
  RunRecord r = testing::FailingRun();
  Violation v = r.violations[0];
  r.violations.clear();
  for (int i = 0; i < 7; ++i) {
    v.seq = 100 + i;
    r.violations.push_back(v);
  }
  r.rule_counts = {{RuleId::kCpuAccessDeviceOwned, 7}};
  TextReportOptions o;
  o.max_violations = 3;
  const std::string t = Text({r}, o);
  EXPECT_THAT(t, HasSubstr("#102"));
  EXPECT_THAT(t, Not(HasSubstr("#103")));
  EXPECT_THAT(t, HasSubstr("... and 4 more"));
}

TEST(TextReport, VerboseShowsOwnershipHistoryAndMetExpectations) {
  EXPECT_THAT(Text({testing::FailingRun()}), Not(HasSubstr("ownership history")));
  TextReportOptions o;
  o.verbose = true;
  const std::string t = Text({testing::FailingRun()}, o);
  EXPECT_THAT(t, HasSubstr("ownership history (oldest first):"));
  EXPECT_THAT(t, HasSubstr("#2 dma_map"));
  EXPECT_THAT(t, HasSubstr("ok   expected violation DMA101"));
  EXPECT_THAT(t, HasSubstr("cache.hits = 17"));
}

TEST(TextReport, RunErrorIsShown) {
  RunRecord r = testing::PassingRun();
  r.error = Error(ErrorCode::kParse, "scenario.yaml:3:5: unknown step 'mapp'");
  const std::string t = Text({r});
  EXPECT_THAT(t, HasSubstr("FAIL rx-correct"));
  EXPECT_THAT(t, HasSubstr("unknown step 'mapp'"));
  EXPECT_THAT(t, HasSubstr("(1 error)"));
}

}  // namespace
}  // namespace dmakit
