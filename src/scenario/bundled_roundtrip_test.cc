// The trace round trip on every bundled scenario (examples/*.yaml): the scenario runs live
// with a JSONL recorder, the recorded trace is read back by the trace layer's reader and fed
// to a fresh Checker, and the offline checker must report exactly the live violations: same
// rules, same offending events (seq), same call sites (location), in the same order. This is
// DESIGN.md's "live checking and trace checking are the same code" held to the examples a
// newcomer reads.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "dmakit/check/checker.h"
#include "dmakit/scenario/loader.h"
#include "dmakit/scenario/runner.h"
#include "dmakit/trace/jsonl_reader.h"

namespace dmakit::scenario {
namespace {

const char kExamplesDir[] = DMAKIT_SOURCE_DIR "/examples";

std::vector<std::string> BundledScenarios() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(kExamplesDir)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// What the round trip must preserve of one violation: rule, offending event, call site, and
// the mapping it concerns.
std::string Key(const Violation& v) {
  return std::string(RuleCode(v.rule)) + " seq=" + std::to_string(v.seq) + " at " +
         v.where.ToString() + " mapping #" + std::to_string(v.mapping_seq) + " " +
         v.mapping_where.ToString();
}

std::vector<std::string> Keys(const std::vector<Violation>& violations) {
  std::vector<std::string> out;
  for (const Violation& v : violations) out.push_back(Key(v));
  return out;
}

std::string Stem(const std::string& path) { return std::filesystem::path(path).stem().string(); }

class BundledRoundTrip : public testing::TestWithParam<std::string> {};

TEST_P(BundledRoundTrip, OfflineViolationsEqualLiveOnes) {
  auto scenario = LoadScenarioFile(GetParam());
  ASSERT_TRUE(scenario.ok()) << scenario.error().ToString();

  std::ostringstream trace;
  RunOptions options;
  options.trace = &trace;
  RunRecord live = RunScenario(*scenario, options);
  ASSERT_FALSE(live.error) << live.error->ToString();
  ASSERT_TRUE(live.warnings.empty()) << live.warnings.front();

  CheckerOptions check_options;
  check_options.line_size = scenario->soc.cache.line_size;
  Checker offline(check_options);
  TraceReadOptions read_options;
  read_options.strict = true;
  read_options.file_name = Stem(GetParam()) + ".jsonl";
  auto summary = ReadJsonl(trace.str(), offline, read_options);
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(summary->malformed, 0u);
  EXPECT_EQ(summary->unknown, 0u);
  EXPECT_EQ(summary->events, live.events.size());
  offline.OnEnd();

  EXPECT_EQ(Keys(offline.violations()), Keys(live.violations));
  // The messages and lines too: a report made offline reads like the live one.
  ASSERT_EQ(offline.violations().size(), live.violations.size());
  for (size_t i = 0; i < live.violations.size(); ++i) {
    EXPECT_EQ(offline.violations()[i].message, live.violations[i].message) << "violation " << i;
    EXPECT_EQ(offline.violations()[i].lines, live.violations[i].lines) << "violation " << i;
  }
}

// A report names a call site wherever it names a mapping (no "mapping: ?").
TEST_P(BundledRoundTrip, EveryMappingAReportNamesHasACallSite) {
  auto scenario = LoadScenarioFile(GetParam());
  ASSERT_TRUE(scenario.ok()) << scenario.error().ToString();
  RunRecord live = RunScenario(*scenario, {});
  ASSERT_FALSE(live.error) << live.error->ToString();
  for (const Violation& v : live.violations) {
    if (v.mapping_seq == 0) continue;
    EXPECT_TRUE(v.mapping_where.known()) << RuleCode(v.rule) << " mapping #" << v.mapping_seq;
    EXPECT_EQ(std::string(v.mapping_where.file), scenario->file) << RuleCode(v.rule);
  }
}

// A bundled directory without scenarios would make the suite above vacuous.
TEST(BundledScenarios, ExamplesDirectoryHoldsScenarios) {
  EXPECT_GE(BundledScenarios().size(), 6u);
}

INSTANTIATE_TEST_SUITE_P(Examples, BundledRoundTrip, testing::ValuesIn(BundledScenarios()),
                         [](const testing::TestParamInfo<std::string>& param) {
                           std::string name = Stem(param.param);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace dmakit::scenario
